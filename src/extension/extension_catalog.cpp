/*
 * extension_catalog.cpp — the extension's row of pg_extension, read with a
 * catalog scan (no SQL: nothing the caller defines takes part).
 */
#include "extension/extension_catalog.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_extension.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
}

#define DSR_EXTENSION_NAME "daily_sales_report"

typedef struct ExtensionRow
{
    bool        found;
    Oid         owner;
    char       *version;        /* palloc'd in the caller's context */
} ExtensionRow;

static ExtensionRow
read_extension_row(void)
{
    ExtensionRow row = {false, InvalidOid, NULL};
    Relation    rel = table_open(ExtensionRelationId, AccessShareLock);
    ScanKeyData key;
    SysScanDesc scan;
    HeapTuple   tuple;

    ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
                CStringGetDatum(DSR_EXTENSION_NAME));
    scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
    tuple = systable_getnext(scan);
    if (HeapTupleIsValid(tuple))
    {
        bool        isnull;
        Datum       version = heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);

        row.found = true;
        row.owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
        row.version = isnull ? pstrdup("") : TextDatumGetCString(version);
    }
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
    return row;
}

bool
dsr_extension_installed(void)
{
    return read_extension_row().found;
}

Oid
dsr_extension_owner(void)
{
    ExtensionRow row = read_extension_row();

    if (!row.found)
        ereport(ERROR,
                (errcode(ERRCODE_UNDEFINED_OBJECT),
                 errmsg("extension \"" DSR_EXTENSION_NAME "\" is not installed in this database"),
                 errhint("Run CREATE EXTENSION " DSR_EXTENSION_NAME " CASCADE;")));
    return row.owner;
}

void
dsr_check_extension_version(void)
{
    ExtensionRow row = read_extension_row();

    if (row.found && strcmp(row.version, DSR_EXTVERSION) != 0)
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg(DSR_EXTENSION_NAME " is version %s in this database, but its library is version %s",
                        row.version, DSR_EXTVERSION),
                 errhint("Run ALTER EXTENSION " DSR_EXTENSION_NAME " UPDATE; in this database (as a superuser).")));
}
