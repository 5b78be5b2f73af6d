/*
 * report_date.cpp — what the caller means by the report date.
 */
#include "run/report_date.h"
#include "extension/settings.h"

#define DATE_HINT "Pass 'today', 'yesterday' or a date as 'YYYY-MM-DD', e.g. '2025-09-22'."

DateADT
dsr_today(void)
{
    Datum local = DirectFunctionCall2(timestamptz_zone,
                                      CStringGetTextDatum(dsr_calendar_timezone()),
                                      TimestampTzGetDatum(GetCurrentTimestamp()));
    return DatumGetDateADT(DirectFunctionCall1(timestamp_date, local));
}

char *
dsr_date_iso(DateADT date)
{
    int year, month, day;

    j2date(date + POSTGRES_EPOCH_JDATE, &year, &month, &day);
    /* j2date counts 1 BC as year 0; no run gets here with such a date, but it must never read as AD */
    if (year <= 0)
        return psprintf("%04d-%02d-%02d BC", 1 - year, month, day);
    return psprintf("%04d-%02d-%02d", year, month, day);
}

/*
 * The date form passes 'YYYY-MM-DD AD' or 'YYYY-MM-DD BC' (to_char drops
 * the era from 'YYYY', so 44 BC would be reported as AD 44): take the AD
 * suffix off, refuse a BC date.
 */
static void
strip_era(char *trimmed, size_t *len)
{
    if (*len != 13 || trimmed[10] != ' ')
        return;
    if (pg_strcasecmp(trimmed + 11, "AD") == 0)
    {
        trimmed[10] = '\0';
        *len = 10;
    }
    else if (pg_strcasecmp(trimmed + 11, "BC") == 0)
        ereport(ERROR,
                (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
                 errmsg("report date %s is before the Common Era", trimmed),
                 errdetail("Report dates start at 0001-01-01."),
                 errhint(DATE_HINT)));
}

/*
 * Parse exactly 'YYYY-MM-DD', or a year of up to nine digits (beyond 9999,
 * a date PostgreSQL may hold but never a past day); false if the shape is
 * wrong.
 */
static bool
parse_iso_shape(const char *s, int *year, int *month, int *day)
{
    size_t      year_digits = strspn(s, "0123456789");
    const char *month_day = s + year_digits;     /* "-MM-DD" */

    if (year_digits < 4 || year_digits > 9)
        return false;
    for (int i = 0; i < 6; i++)
    {
        bool dash = (i == 0 || i == 3);
        if (month_day[i] == '\0' || (dash ? month_day[i] != '-' : !isdigit((unsigned char) month_day[i])))
            return false;
    }
    if (month_day[6] != '\0')
        return false;
    *year = atoi(s);
    *month = atoi(month_day + 1);
    *day = atoi(month_day + 4);
    return true;
}

DateADT
dsr_parse_report_date(const char *text, bool isnull)
{
    DateADT today;
    DateADT date;
    int     year, month, day;
    char   *trimmed;
    size_t  len;

    if (isnull)
        ereport(ERROR,
                (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                 errmsg("report date must not be NULL"),
                 errhint(DATE_HINT)));

    /* ignore surrounding blanks, as date input does */
    while (isspace((unsigned char) *text))
        text++;
    trimmed = pstrdup(text);
    len = strlen(trimmed);
    while (len > 0 && isspace((unsigned char) trimmed[len - 1]))
        trimmed[--len] = '\0';

    if (len == 0)
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_DATETIME_FORMAT),
                 errmsg("report date is empty"),
                 errhint(DATE_HINT)));

    today = dsr_today();
    if (pg_strcasecmp(trimmed, "today") == 0)
        return today;
    if (pg_strcasecmp(trimmed, "yesterday") == 0)
        return today - 1;
    strip_era(trimmed, &len);

    if (!parse_iso_shape(trimmed, &year, &month, &day))
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_DATETIME_FORMAT),
                 errmsg("invalid report date \"%s\"", len > 64 ? psprintf("%.64s...", trimmed) : trimmed),
                 errhint(DATE_HINT)));

    if (year < 1 || month < 1 || month > 12 ||
        day < 1 || day > day_tab[isleap(year)][month - 1])
        ereport(ERROR,
                (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
                 errmsg("report date \"%s\" does not exist", trimmed),
                 month >= 1 && month <= 12
                 ? errdetail("%04d-%02d has %d days.", year, month, day_tab[isleap(year)][month - 1])
                 : errdetail("Months run from 01 to 12."),
                 errhint(DATE_HINT)));

    /* a year of five digits and more is in the future, and would overflow date2j */
    date = year > 9999 ? DATEVAL_NOEND : date2j(year, month, day) - POSTGRES_EPOCH_JDATE;
    if (date > today)
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("report date %s is in the future", trimmed),
                 errdetail("Today is %s in time zone %s.", dsr_date_iso(today), dsr_calendar_timezone()),
                 errhint("Report 'today' for the day so far, or a past date.")));
    return date;
}
