/*
 * server_text.cpp — text from the database, in UTF-8.
 *
 * Why not pg_server_to_any(): in SQL_ASCII it raises an ERROR on the first
 * invalid byte, elsewhere on the first unconvertible character, and one odd
 * product name must not cost the day's report.
 */
#include "pg/server_text.h"

static const char REPLACEMENT[] = "\xEF\xBF\xBD";   /* U+FFFD in UTF-8 */

/* SQL_ASCII: valid UTF-8 sequences are kept, each other byte is replaced. */
static void
repair_utf8(const char *text, int len, StringInfo out)
{
    int         i = 0;

    while (i < len)
    {
        const unsigned char *p = (const unsigned char *) text + i;
        int         n = pg_utf_mblen(p);

        if (n <= len - i && pg_utf8_islegal(p, n))
        {
            appendBinaryStringInfo(out, (const char *) p, n);
            i += n;
        }
        else
        {
            appendStringInfoString(out, REPLACEMENT);
            i++;
        }
    }
}

/* Any other encoding: PostgreSQL's conversion, character by character past one it cannot convert. */
static void
convert_to_utf8(const char *text, int len, StringInfo out)
{
    int         encoding = GetDatabaseEncoding();
    Oid         proc = FindDefaultConversionProc(encoding, PG_UTF8);
    int         i = 0;

    if (!OidIsValid(proc))
    {
        repair_utf8(text, len, out);    /* no conversion installed: keep what is valid */
        return;
    }
    while (i < len)
    {
        int         room = (len - i) * MAX_CONVERSION_GROWTH + 1;
        int         done;

        enlargeStringInfo(out, room);
        done = pg_do_encoding_conversion_buf(proc, encoding, PG_UTF8,
                                             (unsigned char *) text + i, len - i,
                                             (unsigned char *) out->data + out->len, room, true);
        out->len += strlen(out->data + out->len);
        i += done;
        if (i < len)
        {
            /* text + i is a character UTF-8 lacks: replace it, go on after it */
            appendStringInfoString(out, REPLACEMENT);
            i += pg_encoding_mblen_bounded(encoding, text + i);
        }
    }
}

char *
dsr_server_to_utf8(const char *text, MemoryContext context)
{
    MemoryContext old = MemoryContextSwitchTo(context);
    StringInfoData out;
    int         len = (int) strlen(text);

    initStringInfo(&out);
    switch (GetDatabaseEncoding())
    {
        case PG_UTF8:
            appendBinaryStringInfo(&out, text, len);    /* the server checked it on input */
            break;
        case PG_SQL_ASCII:
            repair_utf8(text, len, &out);
            break;
        default:
            convert_to_utf8(text, len, &out);
            break;
    }
    MemoryContextSwitchTo(old);
    return out.data;
}
