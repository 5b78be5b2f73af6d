/*
 * extension_locks.h — the locks that order the extension's work: runs of
 * one date, deliveries of one Pushgateway group, the one outbox worker of
 * a database, the run slots of the cluster.
 *
 * They are heavyweight locks of type LOCKTAG_USERLOCK (pg_locks: locktype
 * 'userlock', classid = the lock class, objid = the key, objsubid = 0).
 * No SQL function takes such a lock: pg_advisory_lock() makes advisory
 * tags, so no role can take these keys and hold up a run, a delivery or
 * the worker (advisory keys can be computed and taken by anyone).
 */
#ifndef DSR_EXTENSION_LOCKS_H
#define DSR_EXTENSION_LOCKS_H

#include "pg/pg_headers.h"

typedef enum DsrLockClass
{
    DSR_LOCK_REPORT_DATE = 0x44535231,  /* "DSR1": runs of one date, one at a time */
    DSR_LOCK_PUSH_GROUP = 0x44535232,   /* "DSR2": one deliverer per group (hash of its path) */
    DSR_LOCK_WORKER = 0x44535233,       /* "DSR3": the database's outbox worker (key: the database) */
    DSR_LOCK_QUEUE_GROUP = 0x44535234,  /* "DSR4": counters read and queued in order (transaction) */
    /* of the cluster (pg_locks.database 0): background worker slots are */
    DSR_LOCK_RUN_SLOT = 0x44535235,     /* "DSR5": held by a run's worker (key: 0 .. max_parallel_runs - 1) */
    DSR_LOCK_RUN_START = 0x44535236,    /* "DSR6": a caller picking a free slot, until its worker holds it */
} DsrLockClass;

/*
 * Take the lock of (class, key) in this database: for the session (kept
 * across transactions until dsr_unlock) or the transaction.  Without
 * `wait`, false if another holds it.
 */
bool dsr_lock(DsrLockClass lock_class, uint32 key, bool session, bool wait);
void dsr_unlock(DsrLockClass lock_class, uint32 key, bool session);

/* The PIDs of the other processes holding the lock of (class, key). */
List *dsr_lock_holders(DsrLockClass lock_class, uint32 key);

#endif /* DSR_EXTENSION_LOCKS_H */
