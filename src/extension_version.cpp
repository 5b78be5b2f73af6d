/*
 * extension_version.cpp — is this database's daily_sales_report the version
 * the library was built for (DSR_EXTVERSION, from the control file)?
 */
#include "extension_version.h"

void
dsr_check_extension_version(void)
{
    char       *installed = NULL;

    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    if (SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'daily_sales_report'",
                    true, 1) == SPI_OK_SELECT && SPI_processed == 1)
        installed = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    if (installed != NULL && strcmp(installed, DSR_EXTVERSION) != 0)
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg("daily_sales_report is version %s in this database, but its library is version %s",
                        installed, DSR_EXTVERSION),
                 errhint("Run ALTER EXTENSION daily_sales_report UPDATE; in this database (as a superuser).")));
    SPI_finish();
}
