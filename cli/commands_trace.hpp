// The trace subcommands of the `canopy` program. Each takes the
// subcommand's own argv (argv[0] is the subcommand name, e.g. "export") and
// returns the process exit status: 0 success, 1 "found something" (diff:
// traces differ; lint: lints fired), 2 bad arguments or an unreadable or
// corrupt trace (the message names the file and line).
#pragma once

/// canopy export --format chrome TRACE -o OUT.json
int canopy_cli_export(int argc, char** argv);
/// canopy render TRACE -o OUT.svg|OUT.html [--format svg|html]
///   [--lanes N] [--width PX] [--axis time|seq]
int canopy_cli_render(int argc, char** argv);
/// canopy diff A B
int canopy_cli_diff(int argc, char** argv);
/// canopy lint TRACE [--max-blocks-after-ecanceled N]
///   [--max-events-without-block N] [--max-run-ms N]
int canopy_cli_lint(int argc, char** argv);
