/*
 * extension_locks.cpp — user-lock tags only this library makes
 * (see extension_locks.h).
 */
#include "extension/extension_locks.h"

extern "C" {
#include "storage/lock.h"
#include "storage/sinvaladt.h"
}

static LOCKTAG
tag_of(DsrLockClass lock_class, uint32 key)
{
    LOCKTAG     tag;

    tag.locktag_field1 = lock_class == DSR_LOCK_RUN_SLOT || lock_class == DSR_LOCK_RUN_START ? InvalidOid
        : MyDatabaseId;
    tag.locktag_field2 = (uint32) lock_class;
    tag.locktag_field3 = key;
    tag.locktag_field4 = 0;
    tag.locktag_type = LOCKTAG_USERLOCK;
    tag.locktag_lockmethodid = USER_LOCKMETHOD;
    return tag;
}

bool
dsr_lock(DsrLockClass lock_class, uint32 key, bool session, bool wait)
{
    LOCKTAG     tag = tag_of(lock_class, key);

    return LockAcquire(&tag, ExclusiveLock, session, !wait) != LOCKACQUIRE_NOT_AVAIL;
}

void
dsr_unlock(DsrLockClass lock_class, uint32 key, bool session)
{
    LOCKTAG     tag = tag_of(lock_class, key);

    (void) LockRelease(&tag, ExclusiveLock, session);
}

List *
dsr_lock_holders(DsrLockClass lock_class, uint32 key)
{
    LOCKTAG     tag = tag_of(lock_class, key);
    VirtualTransactionId *holders = GetLockConflicts(&tag, ExclusiveLock, NULL);
    List       *pids = NIL;

    for (; VirtualTransactionIdIsValid(*holders); holders++)
    {
        PGPROC     *proc = BackendIdGetProc(holders->backendId);

        if (proc != NULL && proc->pid != 0)
            pids = lappend_int(pids, proc->pid);
    }
    return pids;
}
