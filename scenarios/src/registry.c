/* The list of scenarios, in the order the documents tell them. */
#include <stddef.h>
#include <string.h>

#include "canopy/scenarios/scenario.h"

extern const struct scenario scenario_parent_closes_child;
extern const struct scenario scenario_parent_closes_children;
extern const struct scenario scenario_parent_waits_for_child;
extern const struct scenario scenario_parent_waits_with_grace;
extern const struct scenario scenario_children_grace_period;
extern const struct scenario scenario_broadcast_shutdown;
extern const struct scenario scenario_nested_grace_periods;
extern const struct scenario scenario_thousand_children;
extern const struct scenario scenario_async_object;
extern const struct scenario scenario_stack_on_stack;
extern const struct scenario scenario_call_tree;
extern const struct scenario scenario_unstructured_child;
extern const struct scenario scenario_framing_echo;

static const struct scenario *const all[] = {
    &scenario_parent_closes_child,    &scenario_parent_closes_children,
    &scenario_parent_waits_for_child, &scenario_parent_waits_with_grace,
    &scenario_children_grace_period,  &scenario_broadcast_shutdown,
    &scenario_nested_grace_periods,   &scenario_thousand_children,
    &scenario_async_object,           &scenario_stack_on_stack,
    &scenario_call_tree,              &scenario_unstructured_child,
    &scenario_framing_echo,
};

static struct scenario table[sizeof all / sizeof all[0]];

const struct scenario *scenario_all(size_t *count) {
    size_t n = sizeof all / sizeof all[0];
    if(table[0].name == NULL) {
        for(size_t i = 0; i != n; ++i) table[i] = *all[i];
    }
    *count = n;
    return table;
}

const struct scenario *scenario_find(const char *name) {
    size_t n;
    const struct scenario *s = scenario_all(&n);
    for(size_t i = 0; i != n; ++i)
        if(strcmp(s[i].name, name) == 0) return &s[i];
    return NULL;
}
