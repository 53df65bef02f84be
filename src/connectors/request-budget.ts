/** Counts of a {@link RequestBudget}: the gauges now and their peaks. */
export interface RequestBudgetStats {
  /** Requests admitted and not yet answered. */
  inFlight: number;
  /** Body bytes reserved or read by those requests. */
  bufferedBytes: number;
  /** Highest `inFlight` seen. */
  peakInFlight: number;
  /** Highest `bufferedBytes` seen. */
  peakBufferedBytes: number;
  /** Requests refused because a bound was reached. */
  refused: number;
}

/** One admitted request's share of a {@link RequestBudget}. */
export interface RequestTicket {
  /** Takes `bytes` more (a chunk beyond the reservation); false, taking nothing, when over the bound. */
  grow(bytes: number): boolean;
  /** Gives back the slot and every byte; idempotent. */
  release(): void;
}

/**
 * The bound on what requests hold at once: at most `maxInFlight` requests
 * and `maxBytes` body bytes. A request reserves its declared length when it
 * is admitted (so the bound holds before a byte is read) and grows past it
 * only within the bound; refusals are counted.
 *
 * @example
 * ```ts
 * const budget = new RequestBudget(256, 32 * 1024 * 1024);
 * const ticket = budget.admit(contentLength ?? 0);
 * if (ticket === undefined) return reply503();
 * try { ... ticket.grow(chunk.length) ... } finally { ticket.release(); }
 * ```
 */
export class RequestBudget {
  private readonly counts: RequestBudgetStats = {
    inFlight: 0,
    bufferedBytes: 0,
    peakInFlight: 0,
    peakBufferedBytes: 0,
    refused: 0,
  };

  constructor(
    private readonly maxInFlight: number,
    private readonly maxBytes: number,
  ) {}

  /** A snapshot of the counts. */
  get stats(): RequestBudgetStats {
    return { ...this.counts };
  }

  /** Admits a request reserving `reserve` bytes, or undefined (counted) when a bound is reached. */
  admit(reserve: number): RequestTicket | undefined {
    const c = this.counts;
    if (c.inFlight >= this.maxInFlight || !this.fits(reserve)) {
      c.refused++;
      return undefined;
    }
    c.inFlight++;
    c.peakInFlight = Math.max(c.peakInFlight, c.inFlight);
    this.take(reserve);
    let held = reserve;
    let released = false;
    return {
      grow: (bytes: number): boolean => {
        if (released) return false;
        if (!this.fits(bytes)) {
          c.refused++;
          return false;
        }
        this.take(bytes);
        held += bytes;
        return true;
      },
      release: (): void => {
        if (released) return;
        released = true;
        c.inFlight--;
        c.bufferedBytes -= held;
      },
    };
  }

  private fits(bytes: number): boolean {
    return this.counts.bufferedBytes + bytes <= this.maxBytes;
  }

  private take(bytes: number): void {
    const c = this.counts;
    c.bufferedBytes += bytes;
    c.peakBufferedBytes = Math.max(c.peakBufferedBytes, c.bufferedBytes);
  }
}
