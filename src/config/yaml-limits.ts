/**
 * Bounds on a config or flow file, checked before the YAML library sees the
 * text: the library recurses once per nesting level (a 10k-deep `[[[...` or a
 * line of 10k `- - -` overflows the stack) and expands aliases, so untrusted
 * text is measured first and rejected with a clear {@link ConfigError}.
 */

/** Largest config or flow file read, in bytes (1 MiB: hundreds of tasks fit). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * Deepest nesting accepted in a config or flow file, counting each block
 * indentation level, each `-`/`?`/`:` indicator and each `[`/`{` as one level.
 * Real flows use about 10.
 */
export const MAX_YAML_DEPTH = 64;

/**
 * Most alias uses (`*name`) expanded while turning a document into values; a
 * "billion laughs" bomb needs far more (the `yaml` library's own guard).
 */
export const MAX_YAML_ALIAS_COUNT = 100;
