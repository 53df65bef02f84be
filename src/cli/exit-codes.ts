/** Exit codes of the `flowgen` command. */
export const EXIT_OK = 0;
/** Something failed while running. */
export const EXIT_FAILURE = 1;
/** A config or flow file was rejected before anything started. */
export const EXIT_BAD_INPUT = 2;
/** A second SIGINT/SIGTERM: stopped at once, without waiting for in-flight events. */
export const EXIT_INTERRUPTED = 130;
