/**
 * A small JSON reader and writer (RFC 8259), enough for the CLI's {@code --json} output and
 * {@code --json-args} input, and for storing wire values as text. Stateless, thread-safe.
 */
package jfunc.common.json;
