/* The C face compiled as C at -O2: go() moves the stack pointer inside the
 * caller, so this is where the macro's assumptions are tested. */
#include <libdill.h>
#include <string.h>

coroutine static void set_through_pointer(int *x) {
    *x = 42;
    yield();
    *x = 43;
}

/* libdill's known pitfall: the parent must see the child's writes to its
 * locals even when the optimizer would like to keep them in registers. */
int c_face_pointer_to_local(void) {
    int x = 0;
    int h = go(set_through_pointer(&x));
    if(x != 42) return 1;
    yield();
    if(x != 43) return 2;
    hclose(h);
    return 0;
}

coroutine static void many_args(int a, long b, const char *c, double d, int e, int f, int g,
                                int h, int *out) {
    *out = a + (int)b + (int)strlen(c) + (int)d + e + f + g + h;
}

/* Arguments beyond the six passed in registers travel on the new stack. */
int c_face_many_arguments(void) {
    int out = 0;
    int local_a = 1, local_h = 8;
    int h = go(many_args(local_a, 2L, "abc", 4.0, 5, 6, 7, local_h, &out));
    hclose(h);
    return out;  /* 1+2+3+4+5+6+7+8 = 36 */
}

static int counter;
coroutine static void bump(void) { ++counter; }

coroutine static void spawn_in_loop(int n) {
    int b = bundle();
    for(int i = 0; i != n; ++i) bundle_go(b, bump());
    hclose(b);
}

/* A loop of go() calls must not grow the caller's stack: the loop runs in a
 * coroutine with the default 256 KiB stack, which leftovers of a few bytes
 * per go() would overflow. */
int c_face_loop_of_go(int n) {
    counter = 0;
    int h = go(spawn_in_loop(n));
    /* Wait for the loop to finish: closing it now would cancel it, and a
     * coroutine being cancelled starts no more coroutines. */
    bundle_wait(h, -1);
    hclose(h);
    return counter;
}

coroutine static void on_user_stack(int *ran) { *ran = 1; msleep(now() + 1); *ran = 2; }

/* The seed document's stack-on-stack, with go_stack and go_mem. */
int c_face_stack_on_stack(void) {
    char stk[4096];
    int ran = 0;
    int h = go_stack(on_user_stack(&ran), stk, sizeof(stk));
    if(h < 0) return -1;
    msleep(now() + 5);
    hclose(h);
    if(ran != 2) return -2;
    char tiny[64];
    h = go_mem(on_user_stack(&ran), tiny, sizeof(tiny));
    if(h != -1 || errno != EINVAL) return -3;
    return 0;
}
