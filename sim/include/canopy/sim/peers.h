/* Peers: a test's own coroutines that run beside an unchanged program, as
 * the other hosts of its network would (docs/simulation.md, "Peers").
 *
 * A server waits for clients and a client needs a server; under CANOPY_SEED
 * neither can reach the host network, so a test brings the other side
 * itself. It writes, in a file of its own, a function that starts the peers
 * in a bundle and returns the bundle:
 *
 *     #include <libdill.h>
 *     #include <canopy/sim/peers.h>
 *     coroutine void client(void) { ... tcp_connect to the program ... }
 *     int canopy_peers(void) {
 *         int b = bundle();
 *         if(b >= 0 && bundle_go(b, client()) < 0) return -1;
 *         return b;
 *     }
 *
 * and links that file with the program's own sources, unchanged, and the
 * main wrapper (libcanopy_peers.a) with -Wl,--wrap=main:
 *
 *     cc server.c peers.c -Wl,--wrap=main -lcanopy_peers $(pkg-config --cflags --libs canopy)
 *
 * (with CMake: target_link_libraries(test PRIVATE canopy::canopy_peers
 * canopy::canopy), which adds the flag).
 *
 * Before the program's main runs, canopy_peers() is called and its bundle
 * kept. When main returns (or the program calls exit), the peers, being
 * other hosts, are not cut short at once: they have CANOPY_PEERS_GRACE_MS
 * to finish (a reply in flight still reaches them), then the bundle is
 * closed and a peer still running (a server's loop) is cancelled, its
 * blocking calls failing with ECANCELED, as any coroutine is. The peers run on the
 * same runtime as the program: on the real one over the host's loopback,
 * and under CANOPY_SEED on the simulated network, where the seed decides
 * their interleaving with the program's own coroutines as well, and a
 * failure in a peer (a failed assert) prints the line that replays it.
 *
 * canopy_peers() returning -1 (with errno) stops the program before its main
 * runs, with exit status 2 and a sentence naming errno. */
#ifndef CANOPY_SIM_PEERS_H
#define CANOPY_SIM_PEERS_H

#ifdef __cplusplus
extern "C" {
#endif

/* How long the peers may go on after the program's main has ended (ms). */
#define CANOPY_PEERS_GRACE_MS 1000

/* The test's: starts the peers, returns a bundle handle holding them, or -1
 * with errno set. Called once, before main, on the main thread. */
int canopy_peers(void);

/* Ends the program from a peer, as a harness stops a server that would run
 * for ever once it has seen what it wanted: stdio (and so the trace file) is
 * flushed and the process exits with `status` at once, without the exit
 * checks, so that what the program still runs is not reported as a leak (it
 * was stopped, not finished). The trace then has no end event. A peer must
 * not call exit() itself: the peers could not be ended around it. */
void canopy_peers_end(int status);

#ifdef __cplusplus
}
#endif

#endif
