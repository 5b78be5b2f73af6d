/*
 * push_client.h — HTTP PUT/POST/DELETE to a Pushgateway over libcurl, with
 * timeouts, retries with exponential backoff and cancellation.  Pure C++
 * behind a C API: never throws, never calls PostgreSQL itself; the caller
 * passes in how to notice an interrupt and how to sleep.
 */
#ifndef DSR_PUSH_CLIENT_H
#define DSR_PUSH_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C"
{
#endif

    typedef struct DsrPushOptions
    {
        const char *base_url; /* e.g. "http://localhost:9091" (http/https only) */
        long        connect_timeout_ms;
        long        timeout_ms;    /* whole transfer, per attempt */
        int         max_retries;   /* attempts = 1 + max_retries */
        long        backoff_ms;    /* first wait; doubles after each retry */
        const char *basic_auth;    /* "user:password" or NULL; never logged */
        bool (*interrupted)(void); /* true => abort now (query cancel, shutdown) */
        void (*sleep_ms)(long ms); /* interruptible sleep used between attempts */
    } DsrPushOptions;

    typedef struct DsrPushResult
    {
        bool   ok;          /* 2xx received */
        bool   canceled;    /* stopped because interrupted() said so */
        long   http_status; /* last HTTP status, 0 if none */
        int    attempts;
        int    retries;    /* attempts - 1 */
        double seconds;    /* wall time including waits */
        char   error[512]; /* last error: curl's message or the gateway's body */
    } DsrPushResult;

    /* Process-wide libcurl setup; call once before the first push. */
    bool dsr_push_global_init(void) noexcept;

    /*
 * Send `body` (may be NULL for DELETE) with `method` ("PUT", "POST",
 * "DELETE") to base_url + path.  Retries connection failures, timeouts and
 * 5xx; a 4xx is final (the gateway's message is in error).
 */
    DsrPushResult dsr_push(const DsrPushOptions *options, const char *method, const char *path,
                           const char *body) noexcept;

#ifdef __cplusplus
}
#endif

#endif /* DSR_PUSH_CLIENT_H */
