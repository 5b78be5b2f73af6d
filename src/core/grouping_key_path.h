/*
 * grouping_key_path.h — the URL path of a Pushgateway group (its grouping
 * key), for the bodies of metrics_payload.h.  Pure C++ behind a C API
 * (grouping_key_path.cpp).
 *
 * The returned string is malloc'd (the caller free()s it); NULL means out of
 * memory.  Nothing here throws or calls PostgreSQL.
 */
#ifndef DSR_GROUPING_KEY_PATH_H
#define DSR_GROUPING_KEY_PATH_H

#ifdef __cplusplus
extern "C"
{
#endif

    /*
 * "/metrics/job/<job>" or, with label_name != NULL, "/metrics/job/<job>/<label_name>/<label_value>";
 * values containing '/' use the "@base64" (base64url) form, an empty value is "@base64/=",
 * other values are percent-encoded.
 */
    char *dsr_group_path(const char *job, const char *label_name, const char *label_value) noexcept;

#ifdef __cplusplus
}
#endif

#endif /* DSR_GROUPING_KEY_PATH_H */
