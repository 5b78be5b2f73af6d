/*
 * run_shared.h — what the calling backend and the run's background worker
 * share: a dynamic shared memory segment holding the request, the caller's
 * settings, a message queue (the worker's NOTICEs and ERROR travel to the
 * caller through it) and the result.
 *
 * Why a worker: the run history must survive a failed run.  A function that
 * raises an ERROR rolls back everything its caller's transaction wrote, so
 * the run is done in a worker with transactions of its own; the caller
 * waits for it and relays what it says.
 */
#ifndef DSR_RUN_SHARED_H
#define DSR_RUN_SHARED_H

#include "pg/pg_headers.h"

#define DSR_SHM_MAGIC       0x44535231  /* "DSR1" */
#define DSR_KEY_RUN         0
#define DSR_KEY_GUC         1
#define DSR_KEY_QUEUE       2
#define DSR_QUEUE_SIZE      (64 * 1024)

#define DSR_NUMERIC_TEXT    48

/*
 * The top product's name, sent whole (any length, the database's encoding)
 * as a message of this type on the queue, ahead of the worker's exit.
 */
#define DSR_MSG_TOP_PRODUCT 'P'

typedef struct DsrRunResult
{
    bool    finished;           /* the worker filled this in */
    int64   run_id;
    int64   orders;
    int64   items_sold;
    char    revenue[DSR_NUMERIC_TEXT];
    char    avg_ticket[DSR_NUMERIC_TEXT];
    bool    has_top_product;    /* false: no sales (the name travels as DSR_MSG_TOP_PRODUCT) */
    char    top_product_revenue[DSR_NUMERIC_TEXT];
    char    pdf_path[MAXPGPATH];
    double  pdf_kilobytes;
    bool    pushed;
    double  duration_seconds;
} DsrRunResult;

typedef struct DsrRunRequest
{
    Oid         database_id;
    Oid         authenticated_user_id;
    Oid         current_user_id;
    int         sec_context;
    DateADT     report_date;
    int         run_slot;           /* the DSR_LOCK_RUN_SLOT key its caller picked for it */
    bool        slot_taken;         /* set by the worker once it holds that slot */
    char        stop_reason[256];   /* set by the caller before it cancels the run */
    DsrRunResult result;
} DsrRunRequest;

#endif /* DSR_RUN_SHARED_H */
