/* Canopy's libdill-compatible extension API: handles of the user's own types.
 *
 * A program (or a protocol library) makes its own kind of object usable
 * through the same small integers as coroutines, bundles and channels: it
 * fills a table of two functions, asks hmake() for a handle, and from then
 * on hclose() closes the object and hquery() hands out the interfaces the
 * object implements. The names and the contract are libdill 2.x's.
 *
 * Every function returns -1 (or NULL) and sets errno on failure. With
 * DILL_DISABLE_RAW_NAMES defined before inclusion only the dill_-prefixed
 * names exist. */
#ifndef LIBDILLIMPL_H_INCLUDED
#define LIBDILLIMPL_H_INCLUDED

#include "libdill.h"

#ifdef __cplusplus
extern "C" {
#endif

/******************************************************************************/
/*  Handles                                                                   */
/******************************************************************************/

/* What the runtime calls on a user's object. Usually the first member of
 * the object itself, so that each function can find the object from `vfs`. */
struct dill_hvfs {
  /* Returns the object's interface identified by `type` (any address the
   * object's author chose as a tag), or NULL with errno set (ENOTSUP for a
   * type the object does not implement). The same handle and type should
   * give the same answer every time. */
  void *(*query)(struct dill_hvfs *vfs, const void *type);
  /* Releases the object. Called exactly once, by hclose(), after the handle
   * has stopped being valid; blocking calls made inside it fail at once
   * with ECANCELED. */
  void (*close)(struct dill_hvfs *vfs);
};

/* A new handle naming the object whose table is `vfs`; the table must stay
 * valid until close is called. -1 with errno EINVAL (a null table or a null
 * function in it), ECANCELED (the caller is being cancelled) or ENOMEM.
 * The object appears in traces as an object of kind "user".
 *
 * Like a channel, a user handle belongs to no coroutine: a coroutine that
 * exits leaves it open, and a handle still open when its thread's runtime
 * ends (or a simulated run is abandoned) is dropped without calling close,
 * since no user code may run then. */
DILL_EXPORT int dill_hmake(struct dill_hvfs *vfs);

/* What the object behind `h` answers to query(type): its pointer, or NULL
 * with the object's errno (ENOTSUP for unknown types). NULL with EBADF for
 * a handle that is not open in this thread, and with ENOTSUP for handles of
 * the runtime's own kinds (coroutines, bundles, channels), which implement
 * no queryable interface. */
DILL_EXPORT void *dill_hquery(int h, const void *type);

#if !defined DILL_DISABLE_RAW_NAMES
#define hvfs dill_hvfs
#define hmake dill_hmake
#define hquery dill_hquery
#endif

#ifdef __cplusplus
}
#endif

/* The network layer's part of the extension API (net/): the bytestream and
 * message socket interfaces a protocol of one's own implements. */
#if !defined DILL_DISABLE_SOCKETS && __has_include(<canopy/net/dill_sockets_impl.h>)
#include <canopy/net/dill_sockets_impl.h>
#endif

#endif
