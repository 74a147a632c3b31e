/* libdill 2.x's protocols, layered on any bytestream or message socket.
 *
 * Names, signatures, flags and errno contracts are libdill's: every function
 * returns -1 and sets errno on failure, every blocking call takes an absolute
 * deadline in milliseconds of now() (-1: never, 0: only if possible at once)
 * and fails with ETIMEDOUT when it passes and with ECANCELED when the calling
 * coroutine is cancelled. An attach function takes over the socket it is
 * given: on failure that socket is closed. A detach function hands it back
 * (it is closed if the detach fails). A protocol object whose socket failed
 * mid-frame (a deadline, a cancellation, a reset) stays broken: later calls
 * fail with ECONNRESET, because the stream is no longer at a frame boundary.
 *
 * <libdill.h> includes this header at its end. It stands alone too (the C++
 * face includes it without the raw names): the dill_ names are always
 * declared, the raw names are macros unless DILL_DISABLE_RAW_NAMES. */
#ifndef CANOPY_NET_DILL_PROTOCOLS_H_INCLUDED
#define CANOPY_NET_DILL_PROTOCOLS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef DILL_EXPORT
#define DILL_EXPORT __attribute__((visibility("default")))
#endif

/* Storage for the _mem forms is aligned like a pointer, as libdill's. */
#define CANOPY_PROTO_STORAGE_ALIGN __attribute__((aligned(__SIZEOF_POINTER__)))

#ifdef __cplusplus
extern "C" {
#endif

struct dill_iolist;
struct dill_ipaddr;

/******************************************************************************/
/*  PREFIX: each message is preceded by its size in hdrlen bytes.             */
/******************************************************************************/

struct dill_prefix_storage {char _[56];} CANOPY_PROTO_STORAGE_ALIGN;

#define DILL_PREFIX_BIG_ENDIAN 0
#define DILL_PREFIX_LITTLE_ENDIAN 1

/* Makes a message socket of bytestream `s`: a message is sent as its size in
 * `hdrlen` bytes (1 to 8; big endian unless flags has PREFIX_LITTLE_ENDIAN)
 * followed by its bytes. EINVAL: hdrlen out of range; EPROTO: `s` is not a
 * bytestream; EBADF, ENOMEM. msend fails with EMSGSIZE for a message whose
 * size does not fit in hdrlen bytes; mrecv with EMSGSIZE for a frame larger
 * than the buffer (the largest message the receiver accepts), with EPIPE or
 * ECONNRESET when the peer goes away, mid-frame included. */
DILL_EXPORT int dill_prefix_attach(int s, size_t hdrlen, int flags);
DILL_EXPORT int dill_prefix_attach_mem(int s, size_t hdrlen, int flags,
                                       struct dill_prefix_storage *mem);
/* Returns the underlying bytestream; ECONNRESET (and it is closed) if the
 * protocol is broken, because the stream is then not at a frame boundary. */
DILL_EXPORT int dill_prefix_detach(int s);

/******************************************************************************/
/*  SUFFIX: each message is followed by a delimiter of 1 to 32 bytes.         */
/******************************************************************************/

struct dill_suffix_storage {char _[128];} CANOPY_PROTO_STORAGE_ALIGN;

/* EINVAL: no suffix or more than 32 bytes; EPROTO: not a bytestream. mrecv
 * fails with EMSGSIZE when no delimiter comes within the buffer. */
DILL_EXPORT int dill_suffix_attach(int s, const void *suffix, size_t suffixlen);
DILL_EXPORT int dill_suffix_attach_mem(int s, const void *suffix, size_t suffixlen,
                                       struct dill_suffix_storage *mem);
DILL_EXPORT int dill_suffix_detach(int s, int64_t deadline);

/******************************************************************************/
/*  TERM: a terminal message (up to 32 bytes) ends each direction.            */
/******************************************************************************/

struct dill_term_storage {char _[88];} CANOPY_PROTO_STORAGE_ALIGN;

/* Over message socket `s` (EPROTO otherwise). Receiving the peer's terminal
 * message makes mrecv fail with EPIPE. */
DILL_EXPORT int dill_term_attach(int s, const void *buf, size_t len);
DILL_EXPORT int dill_term_attach_mem(int s, const void *buf, size_t len,
                                     struct dill_term_storage *mem);
/* Sends the terminal message; EPIPE if already sent. */
DILL_EXPORT int dill_term_done(int s, int64_t deadline);
/* Sends the terminal message if not yet sent, drops messages until the
 * peer's terminal one, returns the underlying socket. */
DILL_EXPORT int dill_term_detach(int s, int64_t deadline);

/******************************************************************************/
/*  HTTP/1.1 request and status lines and header fields.                      */
/******************************************************************************/

struct dill_http_storage {char _[1296];} CANOPY_PROTO_STORAGE_ALIGN;

/* Over bytestream `s`. Lines longer than 1023 bytes are EMSGSIZE; a line
 * that is not what was expected is EPROTO; the empty line that ends the
 * fields makes recvfield fail with EPIPE. */
DILL_EXPORT int dill_http_attach(int s);
DILL_EXPORT int dill_http_attach_mem(int s, struct dill_http_storage *mem);
/* Ends the fields (sends the empty line). */
DILL_EXPORT int dill_http_done(int s, int64_t deadline);
DILL_EXPORT int dill_http_detach(int s, int64_t deadline);
/* "COMMAND RESOURCE HTTP/1.1"; EINVAL if either contains blanks. */
DILL_EXPORT int dill_http_sendrequest(int s, const char *command, const char *resource,
                                      int64_t deadline);
DILL_EXPORT int dill_http_recvrequest(int s, char *command, size_t commandlen,
                                      char *resource, size_t resourcelen, int64_t deadline);
/* "HTTP/1.1 STATUS REASON"; EINVAL unless 100 <= status <= 599. */
DILL_EXPORT int dill_http_sendstatus(int s, int status, const char *reason, int64_t deadline);
/* Returns the status code. */
DILL_EXPORT int dill_http_recvstatus(int s, char *reason, size_t reasonlen, int64_t deadline);
/* "NAME: VALUE"; EINVAL for a name with separators, EPROTO for an empty
 * value. */
DILL_EXPORT int dill_http_sendfield(int s, const char *name, const char *value,
                                    int64_t deadline);
DILL_EXPORT int dill_http_recvfield(int s, char *name, size_t namelen, char *value,
                                    size_t valuelen, int64_t deadline);

/******************************************************************************/
/*  TLS over OpenSSL 3.                                                       */
/******************************************************************************/

struct dill_tls_storage {char _[72];} CANOPY_PROTO_STORAGE_ALIGN;

/* A bytestream socket encrypting bytestream `s`, the handshake done before
 * returning. cert and pkey are PEM file names. EINVAL: unreadable or
 * mismatched certificate or key; EPROTO: `s` is not a bytestream, or the
 * handshake failed; ECONNRESET, ETIMEDOUT, ECANCELED. */
DILL_EXPORT int dill_tls_attach_server(int s, const char *cert, const char *pkey,
                                       int64_t deadline);
DILL_EXPORT int dill_tls_attach_server_mem(int s, const char *cert, const char *pkey,
                                           struct dill_tls_storage *mem, int64_t deadline);
DILL_EXPORT int dill_tls_attach_client(int s, int64_t deadline);
DILL_EXPORT int dill_tls_attach_client_mem(int s, struct dill_tls_storage *mem,
                                           int64_t deadline);
/* Sends close_notify: the peer's brecv then fails with EPIPE. */
DILL_EXPORT int dill_tls_done(int s, int64_t deadline);
/* close_notify both ways, then returns the underlying socket. */
DILL_EXPORT int dill_tls_detach(int s, int64_t deadline);

/******************************************************************************/
/*  WebSockets (RFC 6455).                                                    */
/******************************************************************************/

struct dill_ws_storage {char _[176];} CANOPY_PROTO_STORAGE_ALIGN;

#define DILL_WS_BINARY 0
#define DILL_WS_TEXT 1
#define DILL_WS_NOHTTP 2

/* Over bytestream `s`, after the HTTP upgrade handshake (unless
 * WS_NOHTTP). The client masks what it sends; each side rejects frames
 * masked the wrong way, reserved bits, unknown opcodes and oversize or
 * fragmented control frames with EPROTO. Pings are answered. */
DILL_EXPORT int dill_ws_attach_client(int s, int flags, const char *resource, const char *host,
                                      int64_t deadline);
DILL_EXPORT int dill_ws_attach_client_mem(int s, int flags, const char *resource,
                                          const char *host, struct dill_ws_storage *mem,
                                          int64_t deadline);
DILL_EXPORT int dill_ws_attach_server(int s, int flags, char *resource, size_t resourcelen,
                                      char *host, size_t hostlen, int64_t deadline);
DILL_EXPORT int dill_ws_attach_server_mem(int s, int flags, char *resource,
                                          size_t resourcelen, char *host, size_t hostlen,
                                          struct dill_ws_storage *mem, int64_t deadline);
DILL_EXPORT int dill_ws_send(int s, int flags, const void *buf, size_t len, int64_t deadline);
/* Returns the message size; *flags gets WS_TEXT or WS_BINARY. EPIPE once
 * the peer's close frame arrived (see ws_status). */
DILL_EXPORT ssize_t dill_ws_recv(int s, int *flags, void *buf, size_t len, int64_t deadline);
DILL_EXPORT int dill_ws_sendl(int s, int flags, struct dill_iolist *first,
                              struct dill_iolist *last, int64_t deadline);
DILL_EXPORT ssize_t dill_ws_recvl(int s, int *flags, struct dill_iolist *first,
                                  struct dill_iolist *last, int64_t deadline);
/* Sends the close frame with `status` (0: none, else 1000 to 4999) and a
 * reason of up to 123 bytes. */
DILL_EXPORT int dill_ws_done(int s, int status, const void *buf, size_t len, int64_t deadline);
/* The close handshake: sends ours if not yet sent, drops messages until the
 * peer's, returns the underlying socket. */
DILL_EXPORT int dill_ws_detach(int s, int status, const void *buf, size_t len,
                               int64_t deadline);
/* The peer's close status and reason (returns its length); EAGAIN before
 * the peer's close frame arrived. */
DILL_EXPORT ssize_t dill_ws_status(int s, int *status, void *buf, size_t len);

/* Bytes of a key with its terminating zero. */
#define DILL_WS_KEY_SIZE 32
/* A fresh random Sec-WebSocket-Key. */
DILL_EXPORT int dill_ws_request_key(char *request_key);
/* The Sec-WebSocket-Accept for a key; EPROTO if it is not 16 bytes in
 * base64. */
DILL_EXPORT int dill_ws_response_key(const char *request_key, char *response_key);

/******************************************************************************/
/*  SOCKS5 (RFC 1928, user and password by RFC 1929).                         */
/******************************************************************************/

#define DILL_SOCKS5_CONNECT (0x01)
#define DILL_SOCKS5_BIND (0x02)
#define DILL_SOCKS5_UDP_ASSOCIATE (0x03)

#define DILL_SOCKS5_SUCCESS (0x00)
#define DILL_SOCKS5_GENERAL_FAILURE (0x01)
#define DILL_SOCKS5_CONNECTION_NOT_ALLOWED (0x02)
#define DILL_SOCKS5_NETWORK_UNREACHABLE (0x03)
#define DILL_SOCKS5_HOST_UNREACHABLE (0x04)
#define DILL_SOCKS5_CONNECTION_REFUSED (0x05)
#define DILL_SOCKS5_TTL_EXPIRED (0x06)
#define DILL_SOCKS5_COMMAND_NOT_SUPPORTED (0x07)
#define DILL_SOCKS5_ADDRESS_TYPE_NOT_SUPPORTED (0x08)

/* Nonzero to accept the user. */
typedef int dill_socks5_auth_function(const char *username, const char *password);

/* Client side over bytestream `s` to a proxy: authenticates (with user and
 * password if both are given) and asks for a connection. A refusal is the
 * errno of the proxy's reply: EIO, EACCES, ENETUNREACH, EHOSTUNREACH,
 * ECONNREFUSED, ETIMEDOUT, EOPNOTSUPP, EAFNOSUPPORT; EPROTO for a reply that
 * breaks the protocol. */
DILL_EXPORT int dill_socks5_client_connect(int s, const char *username, const char *password,
                                           struct dill_ipaddr *addr, int64_t deadline);
DILL_EXPORT int dill_socks5_client_connectbyname(int s, const char *username,
                                                 const char *password, const char *hostname,
                                                 int port, int64_t deadline);
/* Proxy side: chooses no authentication when auth_fn is null, else user
 * and password checked by auth_fn. EACCES when the client is refused. */
DILL_EXPORT int dill_socks5_proxy_auth(int s, dill_socks5_auth_function *auth_fn,
                                       int64_t deadline);
/* Receives the client's command (returned: SOCKS5_CONNECT...) and its
 * address, resolved. */
DILL_EXPORT int dill_socks5_proxy_recvcommand(int s, struct dill_ipaddr *ipaddr,
                                              int64_t deadline);
/* As above, the address as text (host has room for 256 bytes). */
DILL_EXPORT int dill_socks5_proxy_recvcommandbyname(int s, char *host, int *port,
                                                    int64_t deadline);
DILL_EXPORT int dill_socks5_proxy_sendreply(int s, int reply, struct dill_ipaddr *ipaddr,
                                            int64_t deadline);

#ifdef __cplusplus
}
#endif

#endif /* CANOPY_NET_DILL_PROTOCOLS_H_INCLUDED */

/* The raw names, guarded apart so that a later include with raw names still
 * gets them after one without. */
#if !defined DILL_DISABLE_RAW_NAMES && !defined CANOPY_NET_DILL_PROTOCOLS_RAW_NAMES
#define CANOPY_NET_DILL_PROTOCOLS_RAW_NAMES
#define PREFIX_BIG_ENDIAN DILL_PREFIX_BIG_ENDIAN
#define PREFIX_LITTLE_ENDIAN DILL_PREFIX_LITTLE_ENDIAN
#define prefix_storage dill_prefix_storage
#define prefix_attach dill_prefix_attach
#define prefix_attach_mem dill_prefix_attach_mem
#define prefix_detach dill_prefix_detach
#define suffix_storage dill_suffix_storage
#define suffix_attach dill_suffix_attach
#define suffix_attach_mem dill_suffix_attach_mem
#define suffix_detach dill_suffix_detach
#define term_storage dill_term_storage
#define term_attach dill_term_attach
#define term_attach_mem dill_term_attach_mem
#define term_done dill_term_done
#define term_detach dill_term_detach
#define http_storage dill_http_storage
#define http_attach dill_http_attach
#define http_attach_mem dill_http_attach_mem
#define http_done dill_http_done
#define http_detach dill_http_detach
#define http_sendrequest dill_http_sendrequest
#define http_recvrequest dill_http_recvrequest
#define http_sendstatus dill_http_sendstatus
#define http_recvstatus dill_http_recvstatus
#define http_sendfield dill_http_sendfield
#define http_recvfield dill_http_recvfield
#define tls_storage dill_tls_storage
#define tls_attach_server dill_tls_attach_server
#define tls_attach_server_mem dill_tls_attach_server_mem
#define tls_attach_client dill_tls_attach_client
#define tls_attach_client_mem dill_tls_attach_client_mem
#define tls_done dill_tls_done
#define tls_detach dill_tls_detach
#define WS_BINARY DILL_WS_BINARY
#define WS_TEXT DILL_WS_TEXT
#define WS_NOHTTP DILL_WS_NOHTTP
#define WS_KEY_SIZE DILL_WS_KEY_SIZE
#define ws_storage dill_ws_storage
#define ws_attach_server dill_ws_attach_server
#define ws_attach_server_mem dill_ws_attach_server_mem
#define ws_attach_client dill_ws_attach_client
#define ws_attach_client_mem dill_ws_attach_client_mem
#define ws_send dill_ws_send
#define ws_recv dill_ws_recv
#define ws_sendl dill_ws_sendl
#define ws_recvl dill_ws_recvl
#define ws_done dill_ws_done
#define ws_detach dill_ws_detach
#define ws_status dill_ws_status
#define ws_request_key dill_ws_request_key
#define ws_response_key dill_ws_response_key
#define socks5_auth_function dill_socks5_auth_function
#define socks5_client_connect dill_socks5_client_connect
#define socks5_client_connectbyname dill_socks5_client_connectbyname
#define socks5_proxy_auth dill_socks5_proxy_auth
#define socks5_proxy_recvcommand dill_socks5_proxy_recvcommand
#define socks5_proxy_recvcommandbyname dill_socks5_proxy_recvcommandbyname
#define socks5_proxy_sendreply dill_socks5_proxy_sendreply
#define SOCKS5_CONNECT DILL_SOCKS5_CONNECT
#define SOCKS5_BIND DILL_SOCKS5_BIND
#define SOCKS5_UDP_ASSOCIATE DILL_SOCKS5_UDP_ASSOCIATE
#define SOCKS5_SUCCESS DILL_SOCKS5_SUCCESS
#define SOCKS5_GENERAL_FAILURE DILL_SOCKS5_GENERAL_FAILURE
#define SOCKS5_CONNECTION_NOT_ALLOWED DILL_SOCKS5_CONNECTION_NOT_ALLOWED
#define SOCKS5_NETWORK_UNREACHABLE DILL_SOCKS5_NETWORK_UNREACHABLE
#define SOCKS5_HOST_UNREACHABLE DILL_SOCKS5_HOST_UNREACHABLE
#define SOCKS5_CONNECTION_REFUSED DILL_SOCKS5_CONNECTION_REFUSED
#define SOCKS5_TTL_EXPIRED DILL_SOCKS5_TTL_EXPIRED
#define SOCKS5_COMMAND_NOT_SUPPORTED DILL_SOCKS5_COMMAND_NOT_SUPPORTED
#define SOCKS5_ADDRESS_TYPE_NOT_SUPPORTED DILL_SOCKS5_ADDRESS_TYPE_NOT_SUPPORTED
#endif
