/* Canopy's network layer, libdill 2.x's names: addresses, the bytestream and
 * message interfaces, TCP, UNIX-domain (IPC) and UDP sockets.
 *
 * Included at the end of <libdill.h> (define DILL_DISABLE_SOCKETS to leave it
 * out). Every function returns -1 and sets errno on failure, with the errno
 * values libdill documents. Every blocking call takes an absolute deadline
 * on the runtime's clock (now(); -1 never, 0 only if it can be done at once)
 * and fails with ETIMEDOUT when it passes and with ECANCELED when the
 * calling coroutine is cancelled. Under the simulator (CANOPY_SEED) the same
 * calls run on its in-memory network.
 *
 * The `dill_` names are the real ones; the raw names (tcp_listen, ...) are
 * macros for them unless DILL_DISABLE_RAW_NAMES is defined. */
#ifndef CANOPY_NET_DILL_SOCKETS_H_INCLUDED
#define CANOPY_NET_DILL_SOCKETS_H_INCLUDED

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef DILL_EXPORT
#define DILL_EXPORT __attribute__((visibility("default")))
#endif
/* The `_mem` storage structs are aligned like pointers, as libdill's are. */
#ifndef DILL_ALIGN
#define DILL_ALIGN __attribute__((aligned(__SIZEOF_POINTER__)))
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr;

/******************************************************************************/
/*  Gather/scatter lists                                                      */
/******************************************************************************/

/* One piece of a buffer made of several: iol_next links to the next piece
 * (NULL after the last). A receive into a piece whose iol_base is NULL skips
 * iol_len bytes. iol_rsvd must be 0 and is never written. A list with a loop
 * or whose `last` is not reachable from `first` is refused (EINVAL). */
struct dill_iolist {
  void *iol_base;
  size_t iol_len;
  struct dill_iolist *iol_next;
  int iol_rsvd;
};

/******************************************************************************/
/*  Bytestream sockets (TCP, IPC, and protocols over them)                    */
/******************************************************************************/

/* Sends all `len` bytes, or fails: EPIPE (this side is done), ECONNRESET
 * (the peer is gone, or an earlier call broke the stream), ETIMEDOUT,
 * ECANCELED, EBUSY (another coroutine is sending), EBADF, ENOTSUP (not a
 * bytestream), EINVAL. A failed send leaves the stream broken: later calls
 * fail with ECONNRESET. */
DILL_EXPORT int dill_bsend(int s, const void *buf, size_t len, int64_t deadline);
/* Receives exactly `len` bytes (buf NULL: skips them), or fails: EPIPE (the
 * peer finished before `len` bytes came), ECONNRESET, ETIMEDOUT, ECANCELED,
 * EBUSY, EBADF, ENOTSUP, EINVAL. A failure leaves the receiving side
 * broken: later receives fail with ECONNRESET. */
DILL_EXPORT int dill_brecv(int s, void *buf, size_t len, int64_t deadline);
/* As bsend/brecv with the bytes in the list from `first` to `last`. */
DILL_EXPORT int dill_bsendl(int s, struct dill_iolist *first, struct dill_iolist *last,
                            int64_t deadline);
DILL_EXPORT int dill_brecvl(int s, struct dill_iolist *first, struct dill_iolist *last,
                            int64_t deadline);

/******************************************************************************/
/*  Message sockets (UDP, and framing protocols)                              */
/******************************************************************************/

/* Sends one message. Errors as bsend, plus EMSGSIZE. */
DILL_EXPORT int dill_msend(int s, const void *buf, size_t len, int64_t deadline);
/* Receives one message into buf and returns its size; EMSGSIZE if it does
 * not fit. Errors as brecv otherwise. */
DILL_EXPORT ssize_t dill_mrecv(int s, void *buf, size_t len, int64_t deadline);
DILL_EXPORT int dill_msendl(int s, struct dill_iolist *first, struct dill_iolist *last,
                            int64_t deadline);
DILL_EXPORT ssize_t dill_mrecvl(int s, struct dill_iolist *first, struct dill_iolist *last,
                                int64_t deadline);

/******************************************************************************/
/*  IP addresses                                                              */
/******************************************************************************/

/* Which address families a name may resolve to; 0 means
 * DILL_IPADDR_PREF_IPV4. */
#define DILL_IPADDR_IPV4 1
#define DILL_IPADDR_IPV6 2
#define DILL_IPADDR_PREF_IPV4 3
#define DILL_IPADDR_PREF_IPV6 4
/* Bytes ipaddr_str needs, with the terminating zero. */
#define DILL_IPADDR_MAXSTRLEN 46

/* An IPv4 or IPv6 address and port (a sockaddr_in or sockaddr_in6). */
struct dill_ipaddr {
  char _[32];
} DILL_ALIGN;

/* A local address to bind to: name NULL (any address), an address literal
 * or a network interface's name (its first address of the wanted family).
 * 0, or -1 with EINVAL (bad port or mode), ENODEV (no such interface),
 * EADDRNOTAVAIL (the interface has no address of that family). Never blocks. */
DILL_EXPORT int dill_ipaddr_local(struct dill_ipaddr *addr, const char *name, int port,
                                  int mode);
/* A remote address: a literal, or a host name resolved without blocking
 * other coroutines. 0, or -1 with EINVAL, EADDRNOTAVAIL (no such name, or
 * none of the wanted family), ETIMEDOUT, ECANCELED, EAGAIN (too many
 * lookups already under way). */
DILL_EXPORT int dill_ipaddr_remote(struct dill_ipaddr *addr, const char *name, int port,
                                   int mode, int64_t deadline);
/* As ipaddr_remote, up to `naddrs` addresses (preferred family first);
 * returns how many (0 when the name has none of the wanted family). */
DILL_EXPORT int dill_ipaddr_remotes(struct dill_ipaddr *addrs, int naddrs, const char *name,
                                    int port, int mode, int64_t deadline);
/* Writes the address (without the port) into ipstr, which holds at least
 * DILL_IPADDR_MAXSTRLEN bytes, and returns ipstr. */
DILL_EXPORT const char *dill_ipaddr_str(const struct dill_ipaddr *addr, char *ipstr);
/* AF_INET or AF_INET6. */
DILL_EXPORT int dill_ipaddr_family(const struct dill_ipaddr *addr);
/* The address as a sockaddr, ipaddr_len bytes long. */
DILL_EXPORT const struct sockaddr *dill_ipaddr_sockaddr(const struct dill_ipaddr *addr);
DILL_EXPORT int dill_ipaddr_len(const struct dill_ipaddr *addr);
DILL_EXPORT int dill_ipaddr_port(const struct dill_ipaddr *addr);
DILL_EXPORT void dill_ipaddr_setport(struct dill_ipaddr *addr, int port);
/* 1 if both are the same address (and port, unless ignore_port), else 0. */
DILL_EXPORT int dill_ipaddr_equal(const struct dill_ipaddr *addr1,
                                  const struct dill_ipaddr *addr2, int ignore_port);

/******************************************************************************/
/*  TCP                                                                       */
/******************************************************************************/

/* Caller-provided memory for the `_mem` forms: it must outlive the handle. */
struct dill_tcp_listener_storage {
  char _[64];
} DILL_ALIGN;
struct dill_tcp_storage {
  char _[80];
} DILL_ALIGN;

/* Listens on `addr`; with port 0 the kernel picks one and `addr` is updated
 * with it. A handle, or -1 with EADDRINUSE, EADDRNOTAVAIL, EACCES, EINVAL,
 * EMFILE, ENOMEM. */
DILL_EXPORT int dill_tcp_listen(struct dill_ipaddr *addr, int backlog);
DILL_EXPORT int dill_tcp_listen_mem(struct dill_ipaddr *addr, int backlog,
                                    struct dill_tcp_listener_storage *mem);
/* The next connection (a bytestream handle); its peer's address into addr
 * unless NULL. -1 with ETIMEDOUT, ECANCELED, EBADF, ENOTSUP (not a TCP
 * listener), EMFILE, ENOMEM. */
DILL_EXPORT int dill_tcp_accept(int s, struct dill_ipaddr *addr, int64_t deadline);
DILL_EXPORT int dill_tcp_accept_mem(int s, struct dill_ipaddr *addr,
                                    struct dill_tcp_storage *mem, int64_t deadline);
/* A connection to addr, or -1 with ECONNREFUSED, ENETUNREACH, EHOSTUNREACH,
 * ETIMEDOUT, ECANCELED, EINVAL, EMFILE, ENOMEM. */
DILL_EXPORT int dill_tcp_connect(const struct dill_ipaddr *addr, int64_t deadline);
DILL_EXPORT int dill_tcp_connect_mem(const struct dill_ipaddr *addr,
                                     struct dill_tcp_storage *mem, int64_t deadline);
/* Ends this side's sending (the peer then receives EPIPE after the bytes
 * already sent); receiving goes on. 0, or -1 with EPIPE (already done),
 * ECONNRESET, EBADF, ENOTSUP. */
DILL_EXPORT int dill_tcp_done(int s, int64_t deadline);
/* Closes gracefully: ends sending, then waits until the peer has ended
 * too (discarding what it still sends), then closes. The handle is closed
 * in every case; -1 with ECONNRESET (the stream was broken), ETIMEDOUT,
 * ECANCELED tells that the close was not graceful. hclose closes at once. */
DILL_EXPORT int dill_tcp_close(int s, int64_t deadline);
/* A handle taking ownership of a listening TCP socket (EINVAL otherwise). */
DILL_EXPORT int dill_tcp_listener_fromfd(int fd);
DILL_EXPORT int dill_tcp_listener_fromfd_mem(int fd, struct dill_tcp_listener_storage *mem);
/* A handle taking ownership of a connected TCP socket (EINVAL otherwise). */
DILL_EXPORT int dill_tcp_fromfd(int fd);
DILL_EXPORT int dill_tcp_fromfd_mem(int fd, struct dill_tcp_storage *mem);

/******************************************************************************/
/*  IPC (UNIX-domain stream sockets)                                          */
/******************************************************************************/

struct dill_ipc_listener_storage {
  char _[32];
} DILL_ALIGN;
struct dill_ipc_storage {
  char _[80];
} DILL_ALIGN;
struct dill_ipc_pair_storage {
  char _[160];
} DILL_ALIGN;

/* Listens on the filesystem path `addr` (which must not exist: EADDRINUSE;
 * ENAMETOOLONG when longer than a sockaddr_un holds). */
DILL_EXPORT int dill_ipc_listen(const char *addr, int backlog);
DILL_EXPORT int dill_ipc_listen_mem(const char *addr, int backlog,
                                    struct dill_ipc_listener_storage *mem);
DILL_EXPORT int dill_ipc_accept(int s, int64_t deadline);
DILL_EXPORT int dill_ipc_accept_mem(int s, struct dill_ipc_storage *mem, int64_t deadline);
/* ECONNREFUSED (nobody listens), ENOENT (no such path), as tcp_connect. */
DILL_EXPORT int dill_ipc_connect(const char *addr, int64_t deadline);
DILL_EXPORT int dill_ipc_connect_mem(const char *addr, struct dill_ipc_storage *mem,
                                     int64_t deadline);
/* Sends a duplicate of descriptor `fd` to the peer, in order with the
 * bytes; the peer takes it with ipc_recvfd. EINVAL for fd < 0; errors as
 * bsend otherwise. */
DILL_EXPORT int dill_ipc_sendfd(int s, int fd, int64_t deadline);
/* The next descriptor the peer sent (close-on-exec), or -1: EPROTO when
 * the next byte in the stream carries no descriptor; errors as brecv. */
DILL_EXPORT int dill_ipc_recvfd(int s, int64_t deadline);
DILL_EXPORT int dill_ipc_done(int s, int64_t deadline);
DILL_EXPORT int dill_ipc_close(int s, int64_t deadline);
DILL_EXPORT int dill_ipc_listener_fromfd(int fd);
DILL_EXPORT int dill_ipc_listener_fromfd_mem(int fd, struct dill_ipc_listener_storage *mem);
DILL_EXPORT int dill_ipc_fromfd(int fd);
DILL_EXPORT int dill_ipc_fromfd_mem(int fd, struct dill_ipc_storage *mem);
/* Two connected IPC handles. */
DILL_EXPORT int dill_ipc_pair(int s[2]);
DILL_EXPORT int dill_ipc_pair_mem(struct dill_ipc_pair_storage *mem, int s[2]);

/******************************************************************************/
/*  UDP                                                                       */
/******************************************************************************/

struct dill_udp_storage {
  char _[96];
} DILL_ALIGN;

/* A UDP socket bound to `local` (NULL: any address, a port the kernel
 * picks; a port 0 in `local` is updated with the chosen one) whose
 * messages (msend/mrecv) go to and come only from `remote` (may be NULL,
 * then msend fails with EINVAL). At least one of the two must be given. */
DILL_EXPORT int dill_udp_open(struct dill_ipaddr *local, const struct dill_ipaddr *remote);
DILL_EXPORT int dill_udp_open_mem(struct dill_ipaddr *local, const struct dill_ipaddr *remote,
                                  struct dill_udp_storage *mem);
/* Sends one datagram to addr (NULL: to the socket's remote). Never blocks:
 * a datagram the kernel has no room for is dropped, as the network may. */
DILL_EXPORT int dill_udp_send(int s, const struct dill_ipaddr *addr, const void *buf,
                              size_t len);
/* Receives one datagram (its sender into addr unless NULL) and returns its
 * size; the part that did not fit in `len` is lost. */
DILL_EXPORT ssize_t dill_udp_recv(int s, struct dill_ipaddr *addr, void *buf, size_t len,
                                  int64_t deadline);
DILL_EXPORT int dill_udp_sendl(int s, const struct dill_ipaddr *addr, struct dill_iolist *first,
                               struct dill_iolist *last);
DILL_EXPORT ssize_t dill_udp_recvl(int s, struct dill_ipaddr *addr, struct dill_iolist *first,
                                   struct dill_iolist *last, int64_t deadline);

/******************************************************************************/
/*  Happy Eyeballs (RFC 8305)                                                 */
/******************************************************************************/

/* A TCP connection to host `name`: resolves its IPv6 and IPv4 addresses,
 * tries them alternately with a head start for each attempt, and keeps
 * the first that connects. -1 with EINVAL, EADDRNOTAVAIL, ECONNREFUSED
 * (every address refused), ETIMEDOUT, ECANCELED. */
DILL_EXPORT int dill_happyeyeballs_connect(const char *name, int port, int64_t deadline);

/******************************************************************************/
/*  Canopy's own                                                              */
/******************************************************************************/

/* 1 when the calling thread's sockets are the simulator's in-memory network
 * (under CANOPY_SEED or canopy::sim::run), 0 when they are the kernel's. A
 * program may size itself by it (fewer connections under the simulator);
 * the calls above behave the same either way. */
DILL_EXPORT int canopy_net_simulated(void);

#ifdef __cplusplus
}
#endif

#if !defined DILL_DISABLE_RAW_NAMES
#define iolist dill_iolist
#define bsend dill_bsend
#define brecv dill_brecv
#define bsendl dill_bsendl
#define brecvl dill_brecvl
#define msend dill_msend
#define mrecv dill_mrecv
#define msendl dill_msendl
#define mrecvl dill_mrecvl
#define IPADDR_IPV4 DILL_IPADDR_IPV4
#define IPADDR_IPV6 DILL_IPADDR_IPV6
#define IPADDR_PREF_IPV4 DILL_IPADDR_PREF_IPV4
#define IPADDR_PREF_IPV6 DILL_IPADDR_PREF_IPV6
#define IPADDR_MAXSTRLEN DILL_IPADDR_MAXSTRLEN
#define ipaddr dill_ipaddr
#define ipaddr_local dill_ipaddr_local
#define ipaddr_remote dill_ipaddr_remote
#define ipaddr_remotes dill_ipaddr_remotes
#define ipaddr_str dill_ipaddr_str
#define ipaddr_family dill_ipaddr_family
#define ipaddr_sockaddr dill_ipaddr_sockaddr
#define ipaddr_len dill_ipaddr_len
#define ipaddr_port dill_ipaddr_port
#define ipaddr_setport dill_ipaddr_setport
#define ipaddr_equal dill_ipaddr_equal
#define tcp_listener_storage dill_tcp_listener_storage
#define tcp_storage dill_tcp_storage
#define tcp_listen dill_tcp_listen
#define tcp_listen_mem dill_tcp_listen_mem
#define tcp_accept dill_tcp_accept
#define tcp_accept_mem dill_tcp_accept_mem
#define tcp_connect dill_tcp_connect
#define tcp_connect_mem dill_tcp_connect_mem
#define tcp_done dill_tcp_done
#define tcp_close dill_tcp_close
#define tcp_listener_fromfd dill_tcp_listener_fromfd
#define tcp_listener_fromfd_mem dill_tcp_listener_fromfd_mem
#define tcp_fromfd dill_tcp_fromfd
#define tcp_fromfd_mem dill_tcp_fromfd_mem
#define ipc_listener_storage dill_ipc_listener_storage
#define ipc_storage dill_ipc_storage
#define ipc_pair_storage dill_ipc_pair_storage
#define ipc_listen dill_ipc_listen
#define ipc_listen_mem dill_ipc_listen_mem
#define ipc_accept dill_ipc_accept
#define ipc_accept_mem dill_ipc_accept_mem
#define ipc_connect dill_ipc_connect
#define ipc_connect_mem dill_ipc_connect_mem
#define ipc_sendfd dill_ipc_sendfd
#define ipc_recvfd dill_ipc_recvfd
#define ipc_done dill_ipc_done
#define ipc_close dill_ipc_close
#define ipc_listener_fromfd dill_ipc_listener_fromfd
#define ipc_listener_fromfd_mem dill_ipc_listener_fromfd_mem
#define ipc_fromfd dill_ipc_fromfd
#define ipc_fromfd_mem dill_ipc_fromfd_mem
#define ipc_pair dill_ipc_pair
#define ipc_pair_mem dill_ipc_pair_mem
#define udp_storage dill_udp_storage
#define udp_open dill_udp_open
#define udp_open_mem dill_udp_open_mem
#define udp_send dill_udp_send
#define udp_recv dill_udp_recv
#define udp_sendl dill_udp_sendl
#define udp_recvl dill_udp_recvl
#define happyeyeballs_connect dill_happyeyeballs_connect
#endif

#endif
