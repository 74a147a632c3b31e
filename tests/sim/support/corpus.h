/* A corpus for measuring the simulator's modes: correct programs that no
 * realizable mode may ever flag, and programs with latent bugs that the
 * realizable modes must find. Plain libdill code; each program returns when
 * its promise held and calls corpus_fail() with the broken promise when not.
 * Used by tests/sim/soundness_test.cpp and bench/sim_modes.cpp. */
#ifndef CANOPY_TESTS_SIM_CORPUS_H
#define CANOPY_TESTS_SIM_CORPUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Supplied by whoever runs the corpus: ends the run as a failure. */
void corpus_fail(const char *why);

struct corpus_program {
    const char *name;
    /* For a latent bug: the real cause, as a report should name it. */
    const char *cause;
    void (*body)(void);
};

/* Null-terminated lists. */
extern const struct corpus_program corpus_correct[];
extern const struct corpus_program corpus_bugs[];
/* A bug only a what-if injection reaches: no real close can land where it is. */
extern const struct corpus_program corpus_whatif_only;

#ifdef __cplusplus
}
#endif

#endif
