/*
 * transactions.cpp — short transactions of the background workers, and
 * statements run as the extension's owner.
 */
#include "transactions.h"

void
dsr_begin_transaction(void)
{
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    PushActiveSnapshot(GetTransactionSnapshot());
}

void
dsr_commit_transaction(void)
{
    PopActiveSnapshot();
    SPI_finish();
    CommitTransactionCommand();
}

void
dsr_execute_as_owner(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls, int expected)
{
    Oid         saved_user;
    int         saved_context;
    Oid         owner;
    bool        isnull;
    int         rc;

    rc = SPI_execute("SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'daily_sales_report'", true, 1);
    if (rc != SPI_OK_SELECT || SPI_processed != 1)
        ereport(ERROR,
                (errcode(ERRCODE_UNDEFINED_OBJECT),
                 errmsg("extension \"daily_sales_report\" is not installed in this database"),
                 errhint("Run CREATE EXTENSION daily_sales_report CASCADE;")));
    owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

    GetUserIdAndSecContext(&saved_user, &saved_context);
    SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE);
    rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
    SetUserIdAndSecContext(saved_user, saved_context);
    if (rc != expected)
        elog(ERROR, "daily_sales_report bookkeeping statement failed: %s", SPI_result_code_string(rc));
}
