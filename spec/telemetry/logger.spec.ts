import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { contextManager } from '../../src/telemetry/context-manager';
import {
  LOG_FORMAT_ENV,
  LOG_LEVEL_ENV,
  REDACTED,
  createLogger,
  getLogger,
  logOnce,
  logger,
  resetLogger,
  setLogger,
  warnEvery,
} from '../../src/telemetry/logger';

/** A destination that keeps every written chunk, split into lines. */
class MemoryStream extends Writable {
  readonly chunks: string[] = [];

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk.toString());
    cb();
  }

  get lines(): string[] {
    return this.chunks
      .join('')
      .split('\n')
      .filter((l) => l !== '');
  }

  get records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

function withSpan<T>(span: Span, fn: () => T): T {
  return contextManager.with(trace.setSpan(contextManager.active(), span), fn);
}

describe('telemetry/logger', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('logger-spec');
  // Restored key by key: replacing process.env itself would detach it from the
  // real environment that child processes of later specs inherit.
  const envKeys = [LOG_LEVEL_ENV, LOG_FORMAT_ENV];
  let savedEnv: (string | undefined)[] = [];

  beforeEach(() => {
    savedEnv = envKeys.map((k) => process.env[k]);
    delete process.env[LOG_LEVEL_ENV];
    delete process.env[LOG_FORMAT_ENV];
    resetLogger();
  });

  afterEach(() => {
    envKeys.forEach((k, i) => {
      const v = savedEnv[i];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    });
    resetLogger();
    exporter.reset();
  });

  after(async () => {
    await provider.shutdown();
  });

  describe('trace correlation', () => {
    it('a JSON line inside a span carries exactly that span’s ids and flags', () => {
      const out = new MemoryStream();
      const log = createLogger({ destination: out, format: 'json' });
      const span = tracer.startSpan('work');
      withSpan(span, () => log.info('inside'));
      span.end();

      const [rec] = out.records;
      const sc = span.spanContext();
      expect(rec).to.include({
        msg: 'inside',
        trace_id: sc.traceId,
        span_id: sc.spanId,
        trace_flags: '01',
      });
      expect(rec?.trace_id).to.match(/^[0-9a-f]{32}$/);
      expect(rec?.span_id).to.match(/^[0-9a-f]{16}$/);
      expect(exporter.getFinishedSpans()[0]?.spanContext().spanId).to.equal(sc.spanId);
    });

    it('a line outside a span has no trace fields', () => {
      const out = new MemoryStream();
      const log = createLogger({ destination: out, format: 'json' });
      log.info('outside');
      const [rec] = out.records;
      expect(rec).to.include({ msg: 'outside' });
      expect(rec).not.to.have.any.keys('trace_id', 'span_id', 'trace_flags');
    });

    it('a span with an invalid (all-zero) context adds no trace fields', () => {
      const out = new MemoryStream();
      const log = createLogger({ destination: out, format: 'json' });
      withSpan(
        trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }),
        () => log.info('invalid'),
      );
      expect(out.records[0]).not.to.have.any.keys('trace_id', 'span_id', 'trace_flags');
    });

    it('keeps the ids across an await inside the span, and nested spans win', async () => {
      const out = new MemoryStream();
      const log = createLogger({ destination: out, format: 'json' });
      const outer = tracer.startSpan('outer');
      const inner = tracer.startSpan('inner');
      await withSpan(outer, async () => {
        await sleep(5);
        log.info('after await');
        await withSpan(inner, async () => {
          await sleep(1);
          log.info('in inner');
        });
        log.info('back in outer');
      });
      log.info('after span');
      outer.end();
      inner.end();

      const recs = out.records;
      expect(recs[0]).to.include({ msg: 'after await', span_id: outer.spanContext().spanId });
      expect(recs[1]).to.include({ msg: 'in inner', span_id: inner.spanContext().spanId });
      expect(recs[2]).to.include({ msg: 'back in outer', span_id: outer.spanContext().spanId });
      expect(recs[3]).not.to.have.any.keys('trace_id', 'span_id');
    });

    it('child loggers carry the ids too, and an unsampled span reports flags 00', () => {
      const out = new MemoryStream();
      const child = createLogger({ destination: out, format: 'json' }).child({ task: 'fetch' });
      const unsampled = trace.wrapSpanContext({
        traceId: 'a'.repeat(32),
        spanId: 'b'.repeat(16),
        traceFlags: 0,
      });
      withSpan(unsampled, () => child.info('x'));
      expect(out.records[0]).to.include({
        task: 'fetch',
        trace_id: 'a'.repeat(32),
        span_id: 'b'.repeat(16),
        trace_flags: '00',
      });
    });
  });

  describe('level', () => {
    it('defaults to info', () => {
      const out = new MemoryStream();
      const log = createLogger({ destination: out, format: 'json' });
      expect(log.level).to.equal('info');
      log.debug('hidden');
      log.info('shown');
      expect(out.records.map((r) => r.msg)).to.deep.equal(['shown']);
    });

    it('comes from FLOWGEN_LOG_LEVEL', () => {
      process.env[LOG_LEVEL_ENV] = 'debug';
      const out = new MemoryStream();
      const log = createLogger({ destination: out, format: 'json' });
      expect(log.level).to.equal('debug');
      log.debug('shown');
      expect(out.records.map((r) => r.msg)).to.deep.equal(['shown']);
    });

    it('the option wins over the environment', () => {
      process.env[LOG_LEVEL_ENV] = 'debug';
      const log = createLogger({ destination: new MemoryStream(), level: 'error' });
      expect(log.level).to.equal('error');
    });

    it('silent writes nothing', () => {
      process.env[LOG_LEVEL_ENV] = 'silent';
      const out = new MemoryStream();
      createLogger({ destination: out, format: 'json' }).fatal('nothing');
      expect(out.chunks).to.deep.equal([]);
    });

    it('an invalid value falls back to info and warns once', () => {
      process.env[LOG_LEVEL_ENV] = 'verbose';
      const out = new MemoryStream();
      const log = createLogger({ destination: out, format: 'json' });
      expect(log.level).to.equal('info');
      log.info('next');
      const recs = out.records;
      expect(recs).to.have.length(2);
      expect(recs[0]).to.include({ level: 40, value: 'verbose' });
      expect(recs[0]?.msg).to.contain(LOG_LEVEL_ENV);
      expect(recs[1]).to.include({ msg: 'next' });
    });
  });

  describe('format', () => {
    it('json: one JSON object per line', () => {
      process.env[LOG_FORMAT_ENV] = 'json';
      const out = new MemoryStream();
      createLogger({ destination: out, name: 'worker' }).info({ task: 'a' }, 'hello');
      expect(out.lines).to.have.length(1);
      expect(out.records[0]).to.include({ msg: 'hello', name: 'worker', task: 'a', level: 30 });
    });

    it('pretty: one readable line with the message and the span id, written synchronously', () => {
      process.env[LOG_FORMAT_ENV] = 'pretty';
      const out = new MemoryStream();
      const log = createLogger({ destination: out });
      const span = tracer.startSpan('work');
      withSpan(span, () => log.info({ task: 'a' }, 'hello pretty'));
      span.end();

      // Checked without awaiting: a line must be out before log.info returns.
      expect(out.lines).to.have.length(1);
      expect(out.chunks.join('')).to.match(/[^\n]\n$/);
      const line = out.lines[0] ?? '';
      expect(line).to.contain('hello pretty');
      expect(line).to.contain('INFO');
      expect(line).to.contain(span.spanContext().spanId);
      expect(line).to.contain(span.spanContext().traceId);
      expect(() => JSON.parse(line) as unknown).to.throw();
      // A non-TTY stream gets no colour codes.
      expect(line).not.to.contain('\u001b[');
    });

    it('defaults to json when the destination is not a TTY, pretty when it is', () => {
      const plain = new MemoryStream();
      createLogger({ destination: plain }).info('plain');
      expect(out0(plain)).to.include({ msg: 'plain' });

      const tty = Object.assign(new MemoryStream(), { isTTY: true });
      createLogger({ destination: tty }).info('on a tty');
      expect(tty.lines[0]).to.contain('on a tty');
      expect(() => JSON.parse(tty.lines[0] ?? '') as unknown).to.throw();
    });

    it('an invalid FLOWGEN_LOG_FORMAT falls back to the default and warns', () => {
      process.env[LOG_FORMAT_ENV] = 'xml';
      const out = new MemoryStream();
      createLogger({ destination: out }).info('x');
      const recs = out.records;
      expect(recs[0]).to.include({ level: 40, value: 'xml' });
      expect(recs[1]).to.include({ msg: 'x' });
    });
  });

  describe('redaction', () => {
    it('removes credentials from headers and nested config', () => {
      const out = new MemoryStream();
      const log = createLogger({ destination: out, format: 'json' });
      log.info(
        {
          headers: { authorization: 'Bearer s3cret', 'x-api-key': 'k3y', accept: 'json' },
          req: { headers: { authorization: 'Bearer nested' } },
          config: { password: 'pw', api_key: 'ak', token: 'tk', user: 'bob' },
          token: 'top',
        },
        'request',
      );
      const raw = out.chunks.join('');
      for (const secret of ['s3cret', 'k3y', 'nested', '"pw"', '"ak"', '"tk"', 'top']) {
        expect(raw).not.to.contain(secret);
      }
      const rec = out.records[0] as {
        headers: Record<string, string>;
        config: Record<string, string>;
      };
      expect(rec.headers).to.deep.equal({
        authorization: REDACTED,
        'x-api-key': REDACTED,
        accept: 'json',
      });
      expect(rec.config.user).to.equal('bob');
      expect(rec.config.password).to.equal(REDACTED);
    });
  });

  describe('shared default logger', () => {
    it('is created lazily and follows setLogger / resetLogger', () => {
      const out = new MemoryStream();
      const mine = createLogger({ destination: out, format: 'json' });
      setLogger(mine);
      expect(getLogger()).to.equal(mine);
      logger.info({ n: 1 }, 'via proxy');
      const child = logger.child({ c: true });
      child.info('via child');
      expect(out.records.map((r) => r.msg)).to.deep.equal(['via proxy', 'via child']);
      expect(logger.level).to.equal('info');
      logger.level = 'warn';
      expect(mine.level).to.equal('warn');

      resetLogger();
      process.env[LOG_LEVEL_ENV] = 'error';
      expect(getLogger()).not.to.equal(mine);
      expect(logger.level).to.equal('error');
    });
  });

  describe('rate-limited logging', () => {
    it('warnEvery logs once per interval and reports how many were skipped', () => {
      const out = new MemoryStream();
      const log = createLogger({ destination: out, format: 'json' });
      let now = 1_000;
      const warn = warnEvery('export', 10_000, { logger: log, now: () => now });

      expect(warn({ reason: 'down' }, 'export failed')).to.equal(true);
      for (let i = 0; i < 5; i += 1) {
        now += 1_000;
        expect(warn({ reason: 'down' }, 'export failed')).to.equal(false);
      }
      now = 11_000;
      expect(warn({ reason: 'down' }, 'export failed')).to.equal(true);
      expect(warn({ reason: 'down' }, 'export failed')).to.equal(false);

      const recs = out.records;
      expect(recs).to.have.length(2);
      expect(recs[0]).to.include({ level: 40, reason: 'down', msg: 'export failed' });
      expect(recs[0]).not.to.have.key('suppressed');
      expect(recs[1]).to.include({ suppressed: 5 });
    });

    it('warnEvery shares state per key and uses the default logger when none is given', () => {
      const out = new MemoryStream();
      setLogger(createLogger({ destination: out, format: 'json' }));
      const a = warnEvery('shared', 60_000);
      const b = warnEvery('shared', 60_000);
      const other = warnEvery('other', 60_000);
      expect(a({}, 'a')).to.equal(true);
      expect(b({}, 'b')).to.equal(false);
      expect(other({}, 'other')).to.equal(true);
      expect(out.records.map((r) => r.msg)).to.deep.equal(['a', 'other']);
    });

    it('logOnce logs a key once at the given level', () => {
      const out = new MemoryStream();
      const log = createLogger({ destination: out, format: 'json' });
      expect(logOnce(log, 'k', 'error', { x: 1 }, 'once')).to.equal(true);
      expect(logOnce(log, 'k', 'error', { x: 2 }, 'once')).to.equal(false);
      expect(out.records).to.have.length(1);
      expect(out.records[0]).to.include({ level: 50, x: 1, msg: 'once' });
      resetLogger();
      expect(logOnce(log, 'k', 'error', { x: 3 }, 'once')).to.equal(true);
    });
  });
});

function out0(s: MemoryStream): Record<string, unknown> | undefined {
  return s.records[0];
}
