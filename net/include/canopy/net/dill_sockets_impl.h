/* The socket part of libdill's extension API: how a protocol of one's own
 * becomes a bytestream or a message socket that bsend/brecv/msend/mrecv (and
 * every protocol layered on them) can use.
 *
 * Included at the end of <libdillimpl.h> (unless DILL_DISABLE_SOCKETS). A
 * handle made with hmake whose hvfs query answers `dill_bsock_type` with a
 * struct dill_bsock_vfs (or `dill_msock_type` with a struct
 * dill_msock_vfs) is a bytestream (message) socket. The calls below are made
 * with a list already checked (first and last not NULL, last reachable and
 * last->iol_next NULL); they return 0 (mrecvl: the message's size) or -1
 * with errno, with the contract of bsendl/brecvl/msendl/mrecvl. */
#ifndef CANOPY_NET_DILL_SOCKETS_IMPL_H_INCLUDED
#define CANOPY_NET_DILL_SOCKETS_IMPL_H_INCLUDED

#include "canopy/net/dill_sockets.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The type id a bytestream's hvfs query answers. */
DILL_EXPORT extern const void *dill_bsock_type;

struct dill_bsock_vfs {
  int (*bsendl)(struct dill_bsock_vfs *vfs, struct dill_iolist *first, struct dill_iolist *last,
                int64_t deadline);
  int (*brecvl)(struct dill_bsock_vfs *vfs, struct dill_iolist *first, struct dill_iolist *last,
                int64_t deadline);
};

/* The type id a message socket's hvfs query answers. */
DILL_EXPORT extern const void *dill_msock_type;

struct dill_msock_vfs {
  int (*msendl)(struct dill_msock_vfs *vfs, struct dill_iolist *first, struct dill_iolist *last,
                int64_t deadline);
  ssize_t (*mrecvl)(struct dill_msock_vfs *vfs, struct dill_iolist *first,
                    struct dill_iolist *last, int64_t deadline);
};

#ifdef __cplusplus
}
#endif

#if !defined DILL_DISABLE_RAW_NAMES
#define bsock_vfs dill_bsock_vfs
#define bsock_type dill_bsock_type
#define msock_vfs dill_msock_vfs
#define msock_type dill_msock_type
#endif

#endif
