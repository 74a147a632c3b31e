/* An unmodified libdill program with a latent ordering bug, for fuzzing.
 * Two bugs, chosen by LATENT_BUG, of a size LATENT_DEPTH (1..8):
 *
 * order (the default): LATENT_DEPTH workers (default 3) do different amounts of work, worker i
 * yielding 2*(depth-i)-1 times, then each marks its turn: `stage` moves on
 * only when the worker finishing is the one whose number equals it. The
 * program's promise (asserted) is that the workers never all finish
 * longest first: the order the real runtime never produces, and one a
 * blind seed rarely does. Each partial order reached is a branch of its
 * own, so a coverage-guided fuzzer can climb to the bug step by step.
 *
 * pattern: two movers, A and B, make LATENT_DEPTH moves each, yielding
 * before every move; the promise is that their moves never follow the
 * pattern ABBAABAB... (2 * LATENT_DEPTH moves). Not the real runtime's
 * alternation, and with a switch of mover at most every other move: a
 * schedule with few priority changes (pct's) cannot follow it; a blind one
 * does with chance 2^-(2 * LATENT_DEPTH). Each move matched is a branch. */
#include <assert.h>
#include <libdill.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char pattern[] = "ABBAABABBABAABBA";
static int matched = 0, strayed = 0;

coroutine void mover(int id, int moves) {
    for (int i = 0; i < moves; ++i) {
        yield();
        if (strayed) continue;
        if (pattern[matched] != "AB"[id]) {
            strayed = 1;
            continue;
        }
        switch (matched) { /* a branch per move matched */
        case 0: matched = 1; break;
        case 1: matched = 2; break;
        case 2: matched = 3; break;
        case 3: matched = 4; break;
        case 4: matched = 5; break;
        case 5: matched = 6; break;
        case 6: matched = 7; break;
        case 7: matched = 8; break;
        case 8: matched = 9; break;
        case 9: matched = 10; break;
        case 10: matched = 11; break;
        case 11: matched = 12; break;
        case 12: matched = 13; break;
        case 13: matched = 14; break;
        case 14: matched = 15; break;
        default: matched = 16; break;
        }
    }
}

static int pattern_bug(int depth) {
    int b = bundle();
    bundle_go(b, mover(0, depth));
    bundle_go(b, mover(1, depth));
    bundle_wait(b, -1);
    hclose(b);
    printf("matched %d of %d moves\n", matched, 2 * depth);
    fflush(stdout); /* before the assertion can abort */
    assert(matched < 2 * depth && "the movers followed the pattern");
    return 0;
}

int main(void) {
    const char *bug = getenv("LATENT_BUG");
    const char *env = getenv("LATENT_DEPTH");
    int depth = env ? atoi(env) : 3;
    if (depth < 1 || depth > 8) {
        fprintf(stderr, "LATENT_DEPTH must be 1..8\n");
        return 2;
    }
    if (bug && strcmp(bug, "pattern") == 0) return pattern_bug(depth);
    if (bug && strcmp(bug, "order") != 0) {
        fprintf(stderr, "LATENT_BUG must be order or pattern\n");
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
