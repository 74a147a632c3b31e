/* libdill 2.x's core header surface as a C program sees it: only the dill_
 * names (DILL_DISABLE_RAW_NAMES), the storage structs, the DILL_ constants,
 * and what the header includes for its users (malloc, ssize_t, getpid,
 * sigjmp_buf and alloca are used below without including anything else;
 * this file is compiled with undeclared functions as errors). */
#define DILL_DISABLE_RAW_NAMES
#include <libdillimpl.h>

/* Raw names must not exist here. */
#if defined go || defined hclose || defined chsend || defined coroutine || defined hvfs || \
    defined hmake || defined hown || defined CHSEND || defined bundle_storage
#error "DILL_DISABLE_RAW_NAMES left a raw name defined"
#endif

#if DILL_VERSION_CURRENT != 25 || DILL_CHSEND != 1 || DILL_CHRECV != 2
#error "libdill's constants differ"
#endif

static int header_steps;

static dill_coroutine void header_worker(int ch) {
    int v = 0;
    if(dill_chrecv(ch, &v, sizeof v, -1) == 0) header_steps += v;
}

static void *header_query(struct dill_hvfs *vfs, const void *type) {
    (void)type;
    return vfs;
}

static void header_close(struct dill_hvfs *vfs) {
    free(vfs);
    ++header_steps;
}

/* 0 when every piece of the surface behaves; else the number of the first
 * failed step. */
int header_surface_in_c(void) {
    sigjmp_buf unused_jump;
    (void)unused_jump;
    ssize_t signed_size = -1;
    pid_t self = getpid();
    if(signed_size >= 0 || self <= 0) return 1;
    char *scratch = alloca(16);
    scratch[0] = 0;

    struct dill_chstorage chmem;
    int ch[2];
    if(dill_chmake_mem(&chmem, ch) != 0) return 2;
    struct dill_bundle_storage bmem;
    int b = dill_bundle_mem(&bmem);
    if(b < 0) return 3;
    if(dill_bundle_go(b, header_worker(ch[0])) != 0) return 4;
    int h = dill_go(header_worker(ch[0]));
    if(h < 0) return 5;
    /* The go() handle is a bundle: a third worker joins it. */
    if(dill_bundle_go(h, header_worker(ch[0])) != 0) return 6;
    for(int i = 0; i != 3; ++i) {
        int one = 1;
        if(dill_chsend(ch[1], &one, sizeof one, dill_now() + 1000) != 0) return 7;
    }
    if(dill_bundle_wait(b, -1) != 0 || dill_bundle_wait(h, -1) != 0) return 8;
    if(header_steps != 3) return 9;
    struct dill_chclause cl = {DILL_CHRECV, ch[0], NULL, 0};
    if(dill_choose(&cl, 1, 0) != -1 || errno != ETIMEDOUT) return 10;
    if(dill_yield() != 0 || dill_msleep(dill_now()) != 0) return 11;
    if(dill_chdone(ch[1]) != 0 || dill_hdone(ch[0], -1) != 0) return 12;

    struct dill_hvfs *vfs = malloc(sizeof *vfs);
    if(!vfs) return 13;
    vfs->query = header_query;
    vfs->close = header_close;
    int u = dill_hmake(vfs);
    if(u < 0) return 14;
    if(dill_hquery(u, NULL) != vfs) return 15;
    int owned = dill_hown(u);
    if(owned < 0 || dill_hclose(u) != -1 || errno != EBADF) return 16;
    if(dill_hclose(owned) != 0 || header_steps != 4) return 17;

    if(dill_hclose(h) != 0 || dill_hclose(b) != 0) return 18;
    if(dill_hclose(ch[0]) != 0 || dill_hclose(ch[1]) != 0) return 19;
    if(dill_fdclean(0) != 0) return 20;
    return 0;
}
