/* The documented use cases as programs, written once and run by the tests,
 * the simulator, the main job and the viewer.
 *
 * Each scenario is the C code of a structured-concurrency document, with two
 * changes: random() becomes scenario_random(env) so that a seed decides the
 * timings, and what the document marks with numbered points ("/ * 3. * /")
 * becomes scenario_note(env, "3", ...), which records the point, the time
 * and the coroutine. Tests assert on that record; the main job narrates it. */
#ifndef CANOPY_SCENARIOS_SCENARIO_H_INCLUDED
#define CANOPY_SCENARIOS_SCENARIO_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a scenario may ask of whoever runs it. */
struct scenario_env {
  /* A number in [0, 2^31) from the runner's seeded generator: the
   * scenario's stand-in for random(). */
  long (*random)(struct scenario_env* env);
  /* Records that the document's point `point` was reached, with a short
   * explanation; the runner adds the time and the coroutine. */
  void (*note)(struct scenario_env* env, const char* point, const char* text);
  void* user; /* the runner's state */
};

static inline long scenario_random(struct scenario_env* env) { return env->random(env); }
static inline void scenario_note(struct scenario_env* env, const char* point, const char* text) {
  env->note(env, point, text);
}

struct scenario {
  const char* name;     /* command-line name: "parent-closes-child" */
  const char* title;    /* one line for people */
  const char* source;   /* where it is documented: seed file and section */
  /* Runs it on the calling thread's scheduler (real or simulated); returns
   * 0, or -1 if something the document promises did not happen. */
  int (*run)(struct scenario_env* env);
  /* 1 for the scenario that breaks the structure on purpose, to show what
   * that looks like: runners expect a "structure broken" report from it. */
  int unstructured;
  /* 1 for a scenario that uses sockets: it runs on the real runtime or under
   * the simulator (whose network it gets), not on a bare virtual clock. */
  int network;
};

/* Every scenario, in the order the documents present them; `count` is set. */
const struct scenario* scenario_all(size_t* count);
/* The scenario named `name`, or NULL. */
const struct scenario* scenario_find(const char* name);

#ifdef __cplusplus
}
#endif

#endif
