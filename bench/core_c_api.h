/* The C-API benchmark bodies (core_c_api.c), callable from C++ without
 * pulling <libdill.h>'s macros into a translation unit that uses canopy.hpp. */
#ifndef CANOPY_BENCH_CORE_C_API_H
#define CANOPY_BENCH_CORE_C_API_H

#ifdef __cplusplus
extern "C" {
#endif

int cb_switch_begin(void);
void cb_switch_run(long switches);
int cb_go_hclose_run(long n);
int cb_chan_begin(int ch[2]);
int cb_chan_run(int ch, long n);
void cb_end(int coroutine_handle, const int ch[2]);
int cb_choose_begin(int idle[2], int busy[2]);
int cb_choose_run(int idle, int busy, long n);
int cb_choose_ready_begin(int idle[2], int ended[2]);
int cb_choose_ready_run(int idle, int ended, long n);
int cb_bundle_begin(void);
int cb_bundle_spawn_sleepers(int b, long n);
int cb_hclose(int h);

#ifdef __cplusplus
}
#endif

#endif
