/*
 * test_pdf_report.cpp — the daily sales PDF, checked the way a user would:
 * write it, extract the text with pdftotext, count pages with pdfinfo, look
 * at the page with pdftoppm, look at the directory.  Needs poppler-utils and
 * fonts-dejavu-core.
 */
#include "core/pdf_report.h"
#include "totals.h"
#include "pdf_test_support.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace
{

const char *const kCamera = "C\u00e2mera 4K A\u00e7\u00e3o \u00e0 Prova d'\u00c1gua";
const char *const kMonitor = "Monitor 27\" UltraWide";
const char *const kPao = "P\u00e3o de Queijo";
const char *const kEmojiName = "Caixa Surpresa \U0001f4e6 Gamer"; /* U+1F4E6 */
const char *const kLongName = "Kit Completo de Ferramentas Profissionais com Maleta Refor\u00e7ada, 128 Pe\u00e7"
                              "as, Chaves Torx, Philips e Fenda, Edi\u00e7\u00e3o Especial de Anivers\u00e1rio";
const char *const kReplacement = "\ufffd"; /* U+FFFD */
const char *const kEllipsis = "\u2026";    /* U+2026 */

/* The realistic day: Monday 2025-09-22 in Sao Paulo. */
DsrReport
sample_report()
{
    DsrReport r;
    std::memset(&r, 0, sizeof r);
    r.shop_name = "TechCommerce";
    r.report_date = "2025-09-22";
    r.timezone = "America/Sao_Paulo";
    r.day_hours = 24;
    r.orders = 187;
    r.revenue = 15420.50;
    r.revenue_text = "15420.50";
    r.avg_ticket = 82.46;
    r.avg_ticket_text = "82.46";
    r.items_sold = 412;
    r.rows_read = 1873;

    struct P
    {
        const char *name;
        int64_t     qty;
        double      rev;
        const char *text;
    } top[] = {
        {kCamera, 3, 3449.70, "3449.70"},
        {kMonitor, 2, 2899.80, "2899.80"},
        {"Fone Bluetooth Noise Cancelling", 9, 2158.20, "2158.20"},
        {"Teclado Mec\u00e2nico ABNT2", 6, 1314.00, "1314.00"},
        {kLongName, 4, 1196.00, "1196.00"},
        {"Cabo USB-C 2m", 41, 819.59, "819.59"},
        {kEmojiName, 7, 699.30, "699.30"},
        {kPao, 96, 479.04, "479.04"},
    };
    r.top_count = static_cast<int>(sizeof top / sizeof top[0]);
    for (int k = 0; k < r.top_count; k++)
    {
        r.top[k].name = top[k].name;
        r.top[k].quantity = top[k].qty;
        r.top[k].revenue = top[k].rev;
        r.top[k].revenue_text = top[k].text;
    }

    const double hourly[DSR_HOURS] = {120.40, 35.90,  0.00,    0.00,    0.00,    48.50,   160.00,  310.25,
                                      590.10, 880.00, 1012.35, 1105.60, 1290.00, 1188.40, 1044.10, 930.00,
                                      860.55, 795.30, 910.20,  1320.75, 1210.00, 850.05,  488.00,  271.00};
    for (int h = 0; h < DSR_HOURS; h++)
        r.hourly_revenue[h] = hourly[h];

    r.previous_day = totals(164, 410, 13210.40, "13210.40");
    r.week_before = totals(201, 520, 16022.75, "16022.75");
    r.run_id = 42;
    r.generated_at = "2025-09-23 06:00:03 -03";
    r.query_seconds = 0.84;
    return r;
}

/* The same day with every string in WinAnsiEncoding (the emoji name
 * changed): the standard fonts, nothing embedded. */
DsrReport
latin_report()
{
    DsrReport r = sample_report();
    r.shop_name = "Loja S\u00e3o Jo\u00e3o \u2013 Caf\u00e9 & Cia"; /* – é */
    r.top[6].name = "Caixa Surpresa \u201cGamer\u201d \u20ac 5";    /* “ ” € */
    return r;
}

DsrReport
empty_report()
{
    DsrReport r;
    std::memset(&r, 0, sizeof r);
    r.report_date = "2025-09-21";
    r.timezone = "America/Sao_Paulo";
    r.day_hours = 24;
    r.revenue_text = "0.00";
    r.avg_ticket_text = "0.00";
    r.previous_day = totals(0, 0, 0.0, "0.00");
    r.week_before = totals(12, 0, 980.00, "980.00");
    r.run_id = 43;
    r.generated_at = "2025-09-22 06:00:01 -03";
    r.query_seconds = 0.02;
    return r;
}

int
pdf_pages(const std::string &path)
{
    std::string info = run("pdfinfo " + quote(path) + " 2>/dev/null");
    size_t      pos = info.find("Pages:");
    if (pos == std::string::npos)
        return -1;
    return std::atoi(info.c_str() + pos + 6);
}

std::string
read_file(const std::string &path)
{
    std::ifstream     in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool
embeds_a_font(const std::string &path)
{
    return read_file(path).find("/FontFile") != std::string::npos;
}

/* A word of `pdftotext -bbox`: its box in points from the top left. */
struct Word
{
    std::string text;
    double      x_min = 0, y_min = 0, x_max = 0, y_max = 0;
};

std::vector<Word>
pdf_words(const std::string &path)
{
    std::string       html = run("pdftotext -bbox -enc UTF-8 " + quote(path) + " - 2>/dev/null");
    std::vector<Word> words;
    for (size_t pos = 0; (pos = html.find("<word ", pos)) != std::string::npos;)
    {
        Word   w;
        size_t gt = html.find('>', pos), end = html.find("</word>", pos);
        if (gt == std::string::npos || end == std::string::npos)
            break;
        std::string attrs = html.substr(pos, gt - pos);
        auto        attr = [&](const char *name)
        {
            size_t a = attrs.find(std::string(name) + "=\"");
            return a == std::string::npos ? -1.0 : std::atof(attrs.c_str() + a + std::strlen(name) + 2);
        };
        w.x_min = attr("xMin");
        w.y_min = attr("yMin");
        w.x_max = attr("xMax");
        w.y_max = attr("yMax");
        w.text = html.substr(gt + 1, end - gt - 1);
        words.push_back(w);
        pos = end;
    }
    return words;
}

/* The first word equal to `text` (text empty if none). */
Word
find_word(const std::vector<Word> &words, const std::string &text)
{
    for (const Word &w : words)
        if (w.text == text)
            return w;
    return Word{};
}

/* Pixels of a box of the page (points from the top left) rendered at
 * 288 dpi: how many are mostly green and how many mostly red. */
struct Colours
{
    int green = 0, red = 0;
};

Colours
colours_in(const std::string &pdf, const std::string &dir, double x, double y, double w, double h)
{
    const double px = 4.0; /* 288 dpi */
    std::string  root = dir + "/crop";
    run("pdftoppm -r 288 -singlefile" + std::string(" -x ") + std::to_string(int(x * px)) + " -y " +
        std::to_string(int(y * px)) + " -W " + std::to_string(int(w * px)) + " -H " + std::to_string(int(h * px)) +
        " " + quote(pdf) + " " + quote(root) + " 2>/dev/null");
    std::string        ppm = read_file(root + ".ppm");
    Colours            c;
    std::istringstream in(ppm);
    std::string        magic;
    int                width = 0, height = 0, maxval = 0;
    in >> magic >> width >> height >> maxval;
    if (magic != "P6" || maxval != 255)
        return c;
    size_t off = static_cast<size_t>(in.tellg()) + 1;
    for (size_t p = off; p + 2 < ppm.size(); p += 3)
    {
        int r = static_cast<unsigned char>(ppm[p]), g = static_cast<unsigned char>(ppm[p + 1]),
            b = static_cast<unsigned char>(ppm[p + 2]);
        if (g > r + 60 && g > b + 40)
            c.green++;
        else if (r > g + 80 && r > b + 80)
            c.red++;
    }
    return c;
}

/* The text line of `text` containing `needle` ("" if none). */
std::string
line_with(const std::string &text, const std::string &needle)
{
    size_t pos = text.find(needle);
    if (pos == std::string::npos)
        return "";
    size_t b = text.rfind('\n', pos);
    size_t e = text.find('\n', pos);
    b = b == std::string::npos ? 0 : b + 1;
    return text.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

class PdfReportTest : public PdfTestWithDir
{
protected:
    std::vector<std::string>
    dir_entries(const std::string &d) const
    {
        std::vector<std::string> names;
        for (const auto &e : fs::directory_iterator(d))
            names.push_back(e.path().filename().string());
        return names;
    }
};

using PdfReport = PdfReportTest;

TEST_F(PdfReport, FullReportShowsTitleDateKpisAndNames)
{
    DsrReport    r = sample_report();
    std::string  path = dir_ + "/daily-sales-2025-09-22.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;

    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(res.bytes, static_cast<int64_t>(st.st_size));
    EXPECT_EQ(read_file(path).compare(0, 5, "%PDF-"), 0);
    EXPECT_EQ(pdf_pages(path), 1);

    std::string text = pdf_text(path);
    EXPECT_NE(text.find("Daily sales report"), std::string::npos) << text;
    EXPECT_NE(text.find("2025-09-22"), std::string::npos);
    EXPECT_NE(text.find("Monday"), std::string::npos);
    EXPECT_NE(text.find("America/Sao_Paulo"), std::string::npos);
    EXPECT_NE(text.find("TechCommerce"), std::string::npos);

    /* KPI tiles, money with thousands separators */
    EXPECT_NE(text.find("Revenue"), std::string::npos);
    EXPECT_NE(text.find("15,420.50"), std::string::npos) << text;
    EXPECT_NE(text.find("Orders"), std::string::npos);
    EXPECT_NE(text.find("187"), std::string::npos);
    EXPECT_NE(text.find("Average ticket"), std::string::npos);
    EXPECT_NE(text.find("82.46"), std::string::npos);
    EXPECT_NE(text.find("Items sold"), std::string::npos);
    EXPECT_NE(text.find("412"), std::string::npos);
    EXPECT_NE(text.find("3,449.70"), std::string::npos);

    /* accented names come back intact */
    EXPECT_NE(text.find(kCamera), std::string::npos) << text;
    EXPECT_NE(text.find(kMonitor), std::string::npos) << text;
    EXPECT_NE(text.find(kPao), std::string::npos) << text;
    EXPECT_NE(text.find("Teclado Mec\u00e2nico ABNT2"), std::string::npos);

    /* footer */
    EXPECT_NE(text.find("Generated by daily_sales_report"), std::string::npos);
    EXPECT_NE(text.find("2025-09-23 06:00:03"), std::string::npos);
    EXPECT_NE(text.find("#42"), std::string::npos);

    /* a day with sales never says it had none */
    EXPECT_EQ(text.find("No sales on this day"), std::string::npos);
}

TEST_F(PdfReport, EmojiIsReplacedVisibly)
{
    DsrReport    r = sample_report();
    std::string  path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;

    std::string text = pdf_text(path);
    std::string expected = std::string("Caixa Surpresa ") + kReplacement + " Gamer";
    EXPECT_NE(text.find(expected), std::string::npos) << text;
    EXPECT_EQ(text.find("\U0001f4e6"), std::string::npos);
}

TEST_F(PdfReport, LongNameIsTruncatedWithEllipsis)
{
    DsrReport    r = sample_report();
    std::string  path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;

    std::string line = line_with(pdf_text(path), "Kit Completo de Ferramentas");
    ASSERT_FALSE(line.empty());
    EXPECT_NE(line.find(kEllipsis), std::string::npos) << line;
    EXPECT_EQ(line.find("Anivers\u00e1rio"), std::string::npos) << line;
    /* the rest of the row is still there: quantity and revenue */
    EXPECT_NE(line.find("1,196.00"), std::string::npos) << line;
}

TEST_F(PdfReport, NameOfSeventyThousandCharactersStillGivesAPage)
{
    /* libharu refuses to measure a string over 64 kB: the name is cut before it is measured */
    DsrReport   r = sample_report();
    std::string huge = "Kit " + std::string(70000, 'W');
    std::string accented;
    for (int i = 0; i < 40000; i++)
        accented += "\u00e7"; /* U+00E7, two bytes each */
    r.top[0].name = huge.c_str();
    r.top[1].name = accented.c_str();
    std::string  path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;

    std::string line = line_with(pdf_text(path), "Kit WWW");
    ASSERT_FALSE(line.empty());
    EXPECT_NE(line.find(kEllipsis), std::string::npos) << line;
    /* cut between characters, never inside one */
    std::string cut = line_with(pdf_text(path), "\u00e7\u00e7\u00e7");
    ASSERT_FALSE(cut.empty());
    EXPECT_NE(cut.find(std::string("\u00e7") + kEllipsis), std::string::npos) << cut;
}

TEST_F(PdfReport, ChangesAgainstPreviousDayAndWeekBefore)
{
    DsrReport   r = sample_report();
    std::string path = dir_ + "/r.pdf";
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    std::string text = pdf_text(path);
    /* revenue 15420.50 vs 13210.40 = +16.7%, vs 16022.75 = -3.8% (the arrows
     * are shapes: see ArrowsAreDrawnBeforeTheChanges) */
    EXPECT_NE(text.find("+16.7%"), std::string::npos) << text;
    EXPECT_NE(text.find("-3.8%"), std::string::npos) << text;
    /* orders 187 vs 164 = +14.0% */
    EXPECT_NE(text.find("+14.0%"), std::string::npos) << text;

    /* previous day without orders: n/a instead of a division by zero */
    r.previous_day = totals(0, 0, 0.0, "0.00");
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    text = pdf_text(path);
    EXPECT_NE(text.find("n/a"), std::string::npos) << text;
    EXPECT_EQ(text.find("inf"), std::string::npos);
    EXPECT_EQ(text.find("nan"), std::string::npos);
}

TEST_F(PdfReport, NoSalesDaySaysSo)
{
    DsrReport    r = empty_report();
    std::string  path = dir_ + "/daily-sales-2025-09-21.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_GT(res.bytes, 0);
    EXPECT_EQ(pdf_pages(path), 1);

    std::string text = pdf_text(path);
    EXPECT_NE(text.find("No sales on this day"), std::string::npos) << text;
    EXPECT_NE(text.find("Daily sales report"), std::string::npos);
    EXPECT_NE(text.find("2025-09-21"), std::string::npos);
    EXPECT_NE(text.find("Sunday"), std::string::npos);
    EXPECT_EQ(text.find("Top"), std::string::npos) << "no empty table expected";
    EXPECT_EQ(text.find("Revenue by hour"), std::string::npos) << "no empty chart expected";
}

TEST_F(PdfReport, HourlyChartWithAllZeroHoursIsFine)
{
    DsrReport r = sample_report();
    for (int h = 0; h < DSR_HOURS; h++)
        r.hourly_revenue[h] = 0.0;
    std::string  path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(pdf_pages(path), 1);
    std::string text = pdf_text(path);
    EXPECT_NE(text.find("Revenue by hour"), std::string::npos);
    EXPECT_NE(text.find("23"), std::string::npos);
}

TEST_F(PdfReport, HourlyChartHasHourAxis)
{
    DsrReport   r = sample_report();
    std::string path = dir_ + "/r.pdf";
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    std::string text = pdf_text(path);
    /* the line above the axis caption holds the hour labels 0..23 */
    size_t caption = text.find("Hour of day");
    ASSERT_NE(caption, std::string::npos) << text;
    size_t line_end = text.rfind('\n', caption);
    ASSERT_NE(line_end, std::string::npos);
    size_t                   line_start = text.rfind('\n', line_end - 1);
    std::istringstream       axis(text.substr(line_start + 1, line_end - line_start - 1));
    std::vector<std::string> labels, expected;
    for (std::string tok; axis >> tok;)
        labels.push_back(tok);
    for (int h = 0; h < DSR_HOURS; h++)
        expected.push_back(std::to_string(h));
    EXPECT_EQ(labels, expected) << text;
    /* the busiest hour is named: 19:00 with 1,320.75 */
    EXPECT_NE(text.find("1,320.75"), std::string::npos) << text;
}

TEST_F(PdfReport, MoneyIsFormattedWithThousandsSeparators)
{
    DsrReport r = sample_report();
    r.revenue = 1234567.5;
    r.revenue_text = "1234567.5";
    r.top[0].revenue_text = "-1234.50"; /* a refund-heavy product */
    std::string path = dir_ + "/r.pdf";
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    std::string text = pdf_text(path);
    EXPECT_NE(text.find("1,234,567.50"), std::string::npos) << text;
    EXPECT_NE(text.find("-1,234.50"), std::string::npos) << text;
}

TEST_F(PdfReport, InvalidUtf8AndControlCharactersDoNotBreakThePage)
{
    DsrReport r = sample_report();
    r.top[0].name = "Bad \xFF\xFE bytes";
    r.top[1].name = "Cut \xC3";                 /* truncated sequence */
    r.top[2].name = "Surrogate \xED\xA0\x80 x"; /* UTF-16 surrogate in UTF-8 */
    r.top[3].name = "Tab\there\nnewline";
    r.top[4].name = "\U0001f600\U0001f600"; /* only emoji */
    r.top[5].name = nullptr;
    r.top[6].name = "";
    r.timezone = "Zone \U0001f30d";
    r.generated_at = nullptr;
    std::string  path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(pdf_pages(path), 1);

    std::string text = pdf_text(path);
    EXPECT_NE(text.find(std::string("Bad ") + kReplacement), std::string::npos) << text;
    EXPECT_NE(text.find(std::string("Cut ") + kReplacement), std::string::npos) << text;
    EXPECT_NE(text.find(std::string("Surrogate ") + kReplacement), std::string::npos);
    EXPECT_NE(text.find("Tab here newline"), std::string::npos) << text;
    EXPECT_NE(text.find(std::string(kReplacement) + kReplacement), std::string::npos);
    EXPECT_NE(text.find(kPao), std::string::npos) << "rows after bad ones still drawn";
}

TEST_F(PdfReport, TwentyProductsFitOnOnePage)
{
    DsrReport r = sample_report();
    r.top_count = DSR_MAX_TOP_N;
    for (int k = 0; k < DSR_MAX_TOP_N; k++)
    {
        r.top[k].name = kLongName;
        r.top[k].quantity = 1000000 + k;
        r.top[k].revenue = 99999999.99;
        r.top[k].revenue_text = "99999999.99";
    }
    std::string  path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(pdf_pages(path), 1);
    std::string text = pdf_text(path);
    EXPECT_NE(line_with(text, "1,000,019").find("99,999,999.99"), std::string::npos) << text;
    EXPECT_NE(text.find("Generated by daily_sales_report"), std::string::npos);
}

TEST_F(PdfReport, SizeDoesNotGrowWithOrderCount)
{
    DsrReport    r = sample_report();
    std::string  a = dir_ + "/a.pdf", b = dir_ + "/b.pdf";
    DsrPdfResult ra = dsr_pdf_write(&r, kFont, kBoldFont, a.c_str());
    r.orders = 1870000;
    r.items_sold = 4120000;
    DsrPdfResult rb = dsr_pdf_write(&r, kFont, kBoldFont, b.c_str());
    ASSERT_TRUE(ra.ok && rb.ok);
    EXPECT_LT(std::llabs(static_cast<long long>(ra.bytes - rb.bytes)), 1024LL) << ra.bytes << " vs " << rb.bytes;
}

TEST_F(PdfReport, RewriteReplacesFileAndLeavesNoTempFile)
{
    std::string path = dir_ + "/daily-sales-2025-09-22.pdf";
    DsrReport   r = sample_report();
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    struct stat st1;
    ASSERT_EQ(stat(path.c_str(), &st1), 0);

    r.report_date = "2025-09-23";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    struct stat st2;
    ASSERT_EQ(stat(path.c_str(), &st2), 0);
    EXPECT_NE(st1.st_ino, st2.st_ino) << "a new file renamed over the old one";
    EXPECT_EQ(res.bytes, static_cast<int64_t>(st2.st_size));

    std::string text = pdf_text(path);
    EXPECT_NE(text.find("2025-09-23"), std::string::npos);
    EXPECT_NE(text.find("Tuesday"), std::string::npos);

    EXPECT_EQ(dir_entries(dir_), std::vector<std::string>{"daily-sales-2025-09-22.pdf"});
}

TEST_F(PdfReport, CreatesMissingDirectories)
{
    std::string  path = dir_ + "/reports/2025/09/daily.pdf";
    DsrReport    r = sample_report();
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(pdf_pages(path), 1);
    EXPECT_EQ(dir_entries(dir_ + "/reports/2025/09"), std::vector<std::string>{"daily.pdf"});
}

TEST_F(PdfReport, DirectoryUnderARegularFileFails)
{
    std::string blocker = dir_ + "/not-a-dir";
    std::ofstream(blocker) << "plain file\n";
    std::string  path = blocker + "/x/report.pdf";
    DsrReport    r = sample_report();
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_EQ(res.bytes, 0);
    EXPECT_NE(std::string(res.error).find(blocker + "/x"), std::string::npos) << res.error;
    EXPECT_NE(std::string(res.error).find("Not a directory"), std::string::npos) << res.error;
    EXPECT_EQ(dir_entries(dir_), std::vector<std::string>{"not-a-dir"});

    /* the same under a system file, as in a misconfigured setting */
    res = dsr_pdf_write(&r, kFont, kBoldFont, "/etc/passwd/x/report.pdf");
    EXPECT_FALSE(res.ok);
    EXPECT_NE(std::string(res.error).find("/etc/passwd/x"), std::string::npos) << res.error;
}

TEST_F(PdfReport, UnwritableDirectoryFailsWithoutLeftovers)
{
    if (geteuid() == 0)
        GTEST_SKIP() << "root ignores directory permissions";
    std::string ro = dir_ + "/readonly";
    ASSERT_EQ(mkdir(ro.c_str(), 0555), 0);
    std::string  path = ro + "/report.pdf";
    DsrReport    r = sample_report();
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_NE(std::string(res.error).find(ro), std::string::npos) << res.error;
    EXPECT_NE(std::string(res.error).find("Permission denied"), std::string::npos) << res.error;
    EXPECT_TRUE(dir_entries(ro).empty());
    chmod(ro.c_str(), 0755);
}

TEST_F(PdfReport, MissingFontFailsNamingTheFont)
{
    std::string font = dir_ + "/no-such-font.ttf";
    std::string path = dir_ + "/r.pdf";
    DsrReport   r = sample_report();

    DsrPdfResult res = dsr_pdf_write(&r, font.c_str(), kBoldFont, path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_NE(std::string(res.error).find(font), std::string::npos) << res.error;
    EXPECT_NE(std::string(res.error).find("No such file or directory"), std::string::npos) << res.error;

    res = dsr_pdf_write(&r, kFont, font.c_str(), path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_NE(std::string(res.error).find(font), std::string::npos) << res.error;
    EXPECT_TRUE(dir_entries(dir_).empty());

    /* also when the text needs no TrueType font */
    r = latin_report();
    res = dsr_pdf_write(&r, font.c_str(), kBoldFont, path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_NE(std::string(res.error).find(font), std::string::npos) << res.error;
    EXPECT_TRUE(dir_entries(dir_).empty());
}

TEST_F(PdfReport, FileThatIsNotAFontFails)
{
    std::string fake = dir_ + "/fake.ttf", cut = dir_ + "/cut.ttf";
    std::ofstream(fake) << "this is not a TrueType font, just some text\n";
    std::ofstream(cut) << read_file(kFont).substr(0, 4000); /* its cmap beyond the end */
    std::string path = dir_ + "/r.pdf";
    /* also when the text needs no TrueType font: a broken setting shows at once */
    for (const std::string &font : {fake, cut})
        for (const DsrReport &r : {sample_report(), latin_report()})
        {
            DsrPdfResult res = dsr_pdf_write(&r, font.c_str(), kBoldFont, path.c_str());
            EXPECT_FALSE(res.ok);
            EXPECT_NE(std::string(res.error).find(font), std::string::npos) << res.error;
            EXPECT_FALSE(fs::exists(path));
            res = dsr_pdf_write(&r, kFont, font.c_str(), path.c_str());
            EXPECT_FALSE(res.ok);
            EXPECT_NE(std::string(res.error).find(font), std::string::npos) << res.error;
            EXPECT_FALSE(fs::exists(path));
        }
}

TEST_F(PdfReport, FailedRewriteKeepsThePreviousFile)
{
    std::string path = dir_ + "/daily.pdf";
    DsrReport   r = sample_report();
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    std::string before = read_file(path);

    DsrPdfResult res = dsr_pdf_write(&r, "/nonexistent/font.ttf", kBoldFont, path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_EQ(read_file(path), before);
    EXPECT_EQ(dir_entries(dir_), std::vector<std::string>{"daily.pdf"});
}

TEST_F(PdfReport, NullArgumentsFailCleanly)
{
    DsrReport   r = sample_report();
    std::string path = dir_ + "/r.pdf";
    EXPECT_FALSE(dsr_pdf_write(nullptr, kFont, kBoldFont, path.c_str()).ok);
    EXPECT_FALSE(dsr_pdf_write(&r, nullptr, kBoldFont, path.c_str()).ok);
    EXPECT_FALSE(dsr_pdf_write(&r, kFont, nullptr, path.c_str()).ok);
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, nullptr);
    EXPECT_FALSE(res.ok);
    EXPECT_STRNE(res.error, "");
    EXPECT_TRUE(dir_entries(dir_).empty());
}

TEST_F(PdfReport, NullTextFieldsStillGiveAPage)
{
    DsrReport r = sample_report();
    r.report_date = nullptr;
    r.timezone = nullptr;
    r.revenue_text = nullptr; /* falls back to the double */
    r.avg_ticket_text = nullptr;
    r.generated_at = nullptr;
    for (int k = 0; k < r.top_count; k++)
        r.top[k].revenue_text = nullptr;
    std::string  path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    std::string text = pdf_text(path);
    EXPECT_NE(text.find("15,420.50"), std::string::npos) << text;
    EXPECT_NE(text.find("3,449.70"), std::string::npos) << text;
}

TEST_F(PdfReport, StandardFontsWhenEveryStringFitsWinAnsi)
{
    DsrReport    r = latin_report();
    std::string  path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(pdf_pages(path), 1);

    /* Helvetica, built into every reader: no font file in the document */
    std::string bytes = read_file(path);
    EXPECT_EQ(bytes.find("/FontFile"), std::string::npos);
    EXPECT_NE(bytes.find("/BaseFont /Helvetica"), std::string::npos);
    EXPECT_LT(res.bytes, 50 * 1024);

    std::string text = pdf_text(path);
    for (const char *s :
         {"Daily sales report", "Monday, 2025-09-22", "America/Sao_Paulo", "15,420.50", "187", "82.46", "412", "+16.7%",
          "-3.8%", "3,449.70", "1,196.00", "peak 19:00\u201320:00: 1,320.75", "Generated by daily_sales_report",
          "2025-09-23 06:00:03", "#42", "Teclado Mec\u00e2nico ABNT2", "\u00b7"})
        EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
    for (const char *s : {r.shop_name, kCamera, kMonitor, kPao, r.top[6].name})
        EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
    EXPECT_EQ(text.find(kReplacement), std::string::npos) << text;

    std::string line = line_with(text, "Kit Completo de Ferramentas");
    EXPECT_NE(line.find(kEllipsis), std::string::npos) << line;
    EXPECT_NE(line.find("1,196.00"), std::string::npos) << line;
}

TEST_F(PdfReport, NoSalesDayFitsWinAnsi)
{
    DsrReport    r = empty_report();
    std::string  path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_FALSE(embeds_a_font(path));
    EXPECT_LT(res.bytes, 50 * 1024);
    EXPECT_NE(pdf_text(path).find("No sales on this day"), std::string::npos);
}

TEST_F(PdfReport, EveryWinAnsiCharacterReadsBack)
{
    /* Latin-1 and Windows-1252's extras, a row each of 16 */
    std::vector<std::string> rows;
    std::string              all;
    for (uint32_t cp = 0xA1; cp <= 0xFF; cp++)
        if (cp != 0xAD)
        {
            all += static_cast<char>(0xC0 | (cp >> 6));
            all += static_cast<char>(0x80 | (cp & 0x3F));
        }
    all += "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021"
           "\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019"
           "\u201c\u201d\u2022\u2013\u2014\u02dc\u2122"
           "\u0161\u203a\u0153\u017e\u0178"; /* the 27 of 0x80..0x9F */
    std::string row;
    int         n = 0;
    for (size_t i = 0; i < all.size(); i++)
    {
        row += all[i];
        if (i + 1 == all.size() || (static_cast<unsigned char>(all[i + 1]) & 0xC0) != 0x80)
            if (++n % 16 == 0 || i + 1 == all.size())
            {
                rows.push_back(row);
                row.clear();
            }
    }
    ASSERT_EQ(n, 94 + 27);
    ASSERT_LE(rows.size(), static_cast<size_t>(DSR_MAX_TOP_N));

    DsrReport r = latin_report();
    r.top_count = static_cast<int>(rows.size());
    for (size_t k = 0; k < rows.size(); k++)
        r.top[k].name = rows[k].c_str();
    std::string  path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_FALSE(embeds_a_font(path));
    std::string text = pdf_text(path);
    for (const std::string &s : rows)
        EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
}

TEST_F(PdfReport, TextOutsideWinAnsiEmbedsDejaVu)
{
    struct Case
    {
        const char *what, *shop, *name, *expected; /* expected: nullptr = not checked */
    } cases[] = {
        {"Cyrillic shop name", "\u041c\u0430\u0433\u0430\u0437\u0438\u043d \u21161", "Cabo USB-C 2m",
         "\u041c\u0430\u0433\u0430\u0437\u0438\u043d \u21161"},
        {"arrow in a product name", "Shop", "Seta \u25b2 para cima", "Seta \u25b2 para cima"},
        {"Greek", "Shop", "\u039a\u03b1\u03c6\u03ad\u03c2 \u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03cc\u03c2",
         "\u039a\u03b1\u03c6\u03ad\u03c2 \u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03cc\u03c2"},
        {"Latin Extended", "Shop", "\u0141\u00f3\u017cko dla dziecka \u011e",
         "\u0141\u00f3\u017cko dla dziecka \u011e"},
        {"soft hyphen", "Shop", "Ge\u00adschirr", "Ge\u00adschirr"},
        {"emoji, outside the BMP", "Shop", "Caixa \U0001f4e6 Gamer", "Caixa \ufffd Gamer"},
        {"CJK (no glyphs in DejaVu)", "Shop", "\u65e5\u672c\u8336", nullptr},
        {"invalid UTF-8", "Shop", "Bad \xFF bytes", "Bad \ufffd bytes"},
    };
    for (const Case &c : cases)
    {
        SCOPED_TRACE(c.what);
        DsrReport r = latin_report();
        r.shop_name = c.shop;
        r.top[5].name = c.name;
        std::string  path = dir_ + "/r.pdf";
        DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
        ASSERT_TRUE(res.ok) << res.error;
        EXPECT_EQ(pdf_pages(path), 1);
        EXPECT_NE(read_file(path).find("/FontFile2"), std::string::npos);
        std::string text = pdf_text(path);
        if (c.expected)
        {
            EXPECT_NE(text.find(c.expected), std::string::npos) << text;
        }
        /* the rest of the page as with the standard fonts */
        EXPECT_NE(text.find(kCamera), std::string::npos) << text;
        EXPECT_NE(text.find("15,420.50"), std::string::npos) << text;
        EXPECT_NE(text.find("+16.7%"), std::string::npos) << text;
    }
}

TEST_F(PdfReport, ArrowsAreDrawnBeforeTheChanges)
{
    for (bool latin : {true, false})
    {
        SCOPED_TRACE(latin ? "standard fonts" : "DejaVu");
        DsrReport    r = latin ? latin_report() : sample_report();
        std::string  path = dir_ + "/r.pdf";
        DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
        ASSERT_TRUE(res.ok) << res.error;
        ASSERT_EQ(embeds_a_font(path), !latin);

        std::string text = pdf_text(path);
        EXPECT_EQ(text.find("\u25b2"), std::string::npos) << "an arrow is a shape";
        EXPECT_EQ(text.find("\u25bc"), std::string::npos) << "an arrow is a shape";

        /* just left of "+16.7%" a green arrow, left of "-3.8%" a red one, and
         * nothing left of "n/a" */
        std::vector<Word> words = pdf_words(path);
        for (const char *change : {"+16.7%", "-3.8%"})
        {
            Word w = find_word(words, change);
            ASSERT_EQ(w.text, change);
            Colours left = colours_in(path, dir_, w.x_min - 9, w.y_min, 8, w.y_max - w.y_min);
            Colours right = colours_in(path, dir_, w.x_max + 1, w.y_min, 8, w.y_max - w.y_min);
            if (change[0] == '+')
            {
                EXPECT_GT(left.green, 100) << change;
                EXPECT_EQ(left.red, 0) << change;
            }
            else
            {
                EXPECT_GT(left.red, 100) << change;
                EXPECT_EQ(left.green, 0) << change;
            }
            EXPECT_EQ(right.green + right.red, 0) << change;
        }
    }

    DsrReport r = latin_report();
    r.previous_day = totals(0, 0, 0.0, "0.00");
    std::string path = dir_ + "/na.pdf";
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    Word na = find_word(pdf_words(path), "n/a");
    ASSERT_EQ(na.text, "n/a");
    Colours left = colours_in(path, dir_, na.x_min - 9, na.y_min, 8, na.y_max - na.y_min);
    EXPECT_EQ(left.green + left.red, 0);
}

TEST_F(PdfReport, TruncationUsesTheMetricsOfTheFontUsed)
{
    /* the long name is cut just before the quantity column whichever font
     * draws it: too wide would overlap, too narrow would cut early */
    for (bool latin : {true, false})
    {
        SCOPED_TRACE(latin ? "standard fonts" : "DejaVu");
        DsrReport   r = latin ? latin_report() : sample_report();
        std::string path = dir_ + "/r.pdf";
        ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
        ASSERT_EQ(embeds_a_font(path), !latin);

        std::vector<Word> words = pdf_words(path);
        Word              kit = find_word(words, "Kit");
        ASSERT_EQ(kit.text, "Kit");
        double name_end = 0, qty_start = -1;
        for (const Word &w : words)
            if (std::abs(w.y_min - kit.y_min) < 0.5)
            {
                if (w.text == "4")
                    qty_start = w.x_min;
                else if (qty_start < 0)
                    name_end = std::max(name_end, w.x_max);
            }
        ASSERT_GT(qty_start, 0);
        /* the layout keeps 14 pt, and the 30 pt of a quantity, before it */
        double gap = qty_start - name_end;
        EXPECT_GE(gap, 36.0) << "name overlaps the column";
        EXPECT_LE(gap, 50.0) << "name cut too early";
    }
}

} // namespace
