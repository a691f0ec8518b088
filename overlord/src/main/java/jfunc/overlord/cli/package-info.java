/**
 * The {@code jfunc} command line: a thin shell over the {@link jfunc.overlord} API. Results go
 * to stdout (aligned table, or one JSON object with {@code --json}); progress (only when a
 * terminal is attached) and diagnostics go to stderr. Exit codes are those of
 * {@link jfunc.common.ExitCodes}. Entry points: {@link jfunc.overlord.cli.JfuncCli#main} and the
 * testable {@link jfunc.overlord.cli.JfuncCli#run}.
 */
package jfunc.overlord.cli;
