/*
 * spi_values.cpp — reading a value out of an SPI result, NULL included.
 */
#include "pg/spi_values.h"

int64
dsr_spi_int64(HeapTuple row, TupleDesc desc, int column, int64 if_null)
{
    bool        isnull;
    Datum       value = SPI_getbinval(row, desc, column, &isnull);

    if (isnull)
        return if_null;
    switch (SPI_gettypeid(desc, column))
    {
        case INT2OID:
            return DatumGetInt16(value);
        case INT4OID:
            return DatumGetInt32(value);
        case INT8OID:
            return DatumGetInt64(value);
        default:
            elog(ERROR, "column %d of an internal query is of type %s, not an integer", column,
                 format_type_be(SPI_gettypeid(desc, column)));
    }
    return if_null;             /* not reached */
}

Datum
dsr_spi_required(HeapTuple row, TupleDesc desc, int column, const char *what)
{
    bool        isnull;
    Datum       value = SPI_getbinval(row, desc, column, &isnull);

    /* an internal query that cannot yield NULL did: a bug or a damaged table, never a crash */
    if (isnull)
        ereport(ERROR,
                (errcode(ERRCODE_DATA_CORRUPTED),
                 errmsg("unexpected NULL in %s", what),
                 errhint("Report this to the maintainers of daily_sales_report, with the server log.")));
    return value;
}

char *
dsr_spi_required_text(HeapTuple row, TupleDesc desc, int column, const char *what, MemoryContext context)
{
    (void) dsr_spi_required(row, desc, column, what);
    return MemoryContextStrdup(context, SPI_getvalue(row, desc, column));
}

Datum
dsr_numeric(const char *text)
{
    return DirectFunctionCall3(numeric_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}
