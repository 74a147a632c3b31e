/* An unmodified libdill program with a latent ordering bug, for fuzzing.
 *
 * LATENT_DEPTH workers (default 3) do different amounts of work, worker i
 * yielding 2*(depth-i)-1 times, then each marks its turn: `stage` moves on
 * only when the worker finishing is the one whose number equals it. The
 * program's promise (asserted) is that the workers never all finish
 * longest first: the order the real runtime never produces, and one a
 * blind seed rarely does. Each partial order reached is a branch of its
 * own, so a coverage-guided fuzzer can climb to the bug step by step. */
#include <assert.h>
#include <libdill.h>
#include <stdio.h>
#include <stdlib.h>

static int stage = 0;

coroutine void worker(int id, int yields) {
    for (int i = 0; i < yields; ++i) yield();
    if (stage == id) {
        switch (id) { /* a branch per step, for the fuzzer's coverage */
        case 0: stage = 1; break;
        case 1: stage = 2; break;
        case 2: stage = 3; break;
        case 3: stage = 4; break;
        case 4: stage = 5; break;
        default: stage = id + 1; break;
        }
    }
}

int main(void) {
    const char *env = getenv("LATENT_DEPTH");
    int depth = env ? atoi(env) : 3;
    if (depth < 1 || depth > 8) {
        fprintf(stderr, "LATENT_DEPTH must be 1..8\n");
        return 2;
    }
    int b = bundle();
    for (int i = 0; i < depth; ++i) bundle_go(b, worker(i, 2 * (depth - i) - 1));
    bundle_wait(b, -1);
    hclose(b);
    printf("stage %d of %d\n", stage, depth);
    fflush(stdout); /* before the assertion can abort */
    assert(stage < depth && "the workers finished longest first");
    return 0;
}
