/*
 * test_pdf_locale.cpp — the PDF in the shop's language and currency
 * (daily_sales_report.locale / .currency), read back with pdftotext and
 * pdfinfo: labels, dates, number grouping, money, very large changes, the
 * shop name in the document's metadata.  Needs poppler-utils and
 * fonts-dejavu-core.
 */
#include "core/pdf_report.h"
#include "totals.h"
#include "pdf_test_support.h"
#include "core/report_format.h"
#include "core/utf8_text.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

namespace
{

/* A big shop's Monday 2025-09-22: R$ 241.884.184,90 from 1.234.567 orders;
 * the day before sold almost nothing. */
DsrReport
big_day(const char *locale, const char *currency)
{
    DsrReport r;
    std::memset(&r, 0, sizeof r);
    r.shop_name = "Eletr\u00f4nicos Brasil";
    r.report_date = "2025-09-22";
    r.timezone = "America/Sao_Paulo";
    r.day_hours = 24;
    r.orders = 1234567;
    r.revenue = 241884184.90;
    r.revenue_text = "241884184.90";
    r.avg_ticket = 195.93;
    r.avg_ticket_text = "195.93";
    r.items_sold = 2345678;
    r.rows_read = 3456789;
    r.top_count = 2;
    r.top[0] = {"C\u00e2mera 4K", 1500, 1234567.5, "1234567.50"};
    r.top[1] = {"Notebook Gamer", 300, 98765.43, "98765.43"};
    for (int h = 0; h < DSR_HOURS; h++)
        r.hourly_revenue[h] = 1000.0 * (h + 1);
    r.previous_day = totals(198, 400, 38777.0, "38777.00"); /* +623,684.2% */
    r.week_before = totals(1200000, 2300000, 230000000.0, "230000000.00");
    r.run_id = 42;
    r.generated_at = "2025-09-23 06:00:01 -03";
    r.query_seconds = 0.0123;
    r.locale = locale;
    r.currency = currency;
    return r;
}

class PdfLocale : public PdfTestWithDir
{
protected:
    /* write the report, return pdftotext's text; `path` gets the file */
    std::string
    text_of(const DsrReport &r, std::string &path)
    {
        path = dir_ + "/report.pdf";
        DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
        EXPECT_TRUE(res.ok) << res.error;
        bytes_ = res.bytes;
        return pdf_text(path);
    }

    int64_t bytes_ = 0;
};

#define EXPECT_HAS(text, needle) \
    EXPECT_NE((text).find(needle), std::string::npos) << "missing: " << (needle) << "\n" << (text)

TEST_F(PdfLocale, BrazilianPortugueseWithReais)
{
    std::string path;
    std::string t = text_of(big_day("pt-BR", "BRL"), path);
    EXPECT_HAS(t, "Relat\u00f3rio di\u00e1rio de vendas");
    EXPECT_HAS(t, "segunda-feira, 22 de setembro de 2025");
    EXPECT_HAS(t, "Fuso hor\u00e1rio: America/Sao_Paulo");
    EXPECT_HAS(t, "R$ 241.884.184,90"); /* money and grouping */
    EXPECT_HAS(t, "R$ 195,93");
    EXPECT_HAS(t, "1.234.567"); /* orders */
    EXPECT_HAS(t, "2.345.678"); /* items */
    EXPECT_HAS(t, "Faturamento");
    EXPECT_HAS(t, "Pedidos");
    EXPECT_HAS(t, "Ticket m\u00e9dio");
    EXPECT_HAS(t, "Itens vendidos");
    EXPECT_HAS(t, "vs dia ant.");
    EXPECT_HAS(t, "vs sem. ant.");
    EXPECT_HAS(t, "dom 21/09/2025"); /* the legend's days */
    EXPECT_HAS(t, "seg 15/09/2025");
    EXPECT_HAS(t, "R$ 1.234.567,50"); /* a product's revenue */
    EXPECT_HAS(t, "Produto");
    EXPECT_HAS(t, "6.238\u00d7"); /* +623,684.2% as a ratio */
    EXPECT_HAS(t, "5,2%");        /* vs the week before, decimal comma */
    EXPECT_HAS(t, "p\u00e1gina 1 de 1");
    EXPECT_HAS(t, "12,3 ms");
    EXPECT_EQ(t.find("vs prev"), std::string::npos) << t;
    EXPECT_EQ(t.find("623684"), std::string::npos) << t;
    /* Latin-1 text: still the standard fonts, nothing embedded */
    EXPECT_LT(bytes_, 8 * 1024);
}

TEST_F(PdfLocale, EnglishStaysAsBeforeWithoutCurrency)
{
    std::string path;
    std::string t = text_of(big_day(nullptr, nullptr), path);
    EXPECT_HAS(t, "Daily sales report");
    EXPECT_HAS(t, "Monday, 2025-09-22");
    EXPECT_HAS(t, "241,884,184.90");
    EXPECT_EQ(t.find("R$"), std::string::npos) << t;
    EXPECT_EQ(t.find("$241"), std::string::npos) << t;
    EXPECT_HAS(t, "1,234,567");
    EXPECT_HAS(t, "vs prev. day");
    EXPECT_HAS(t, "6,238\u00d7");
    EXPECT_HAS(t, "5.2%");
    EXPECT_HAS(t, "Sun 2025-09-21");
    EXPECT_HAS(t, "page 1 of 1");
}

TEST_F(PdfLocale, ExpectedBandInBothLanguages)
{
    std::string path;
    DsrReport   r = big_day(nullptr, nullptr);
    r.expected = DsrExpected{6, 300000000, 250000000, 350000000};
    std::string t = text_of(r, path);
    EXPECT_HAS(t, "Expected revenue: 300,000,000.00 (band 250,000,000.00 \u2013 350,000,000.00)");
    EXPECT_HAS(t, "median of the same weekday over 6 weeks");
    EXPECT_HAS(t, "below the band");

    r = big_day("pt-BR", "BRL");
    r.expected = DsrExpected{1, 241000000, 192800000, 289200000};
    t = text_of(r, path);
    EXPECT_HAS(t, "Faturamento esperado: R$ 241.000.000,00 (faixa R$ 192.800.000,00 \u2013 R$ 289.200.000,00)");
    EXPECT_HAS(t, "mediana do mesmo dia da semana em 1 semana");
    EXPECT_HAS(t, "dentro da faixa");
    EXPECT_LT(bytes_, 8 * 1024); /* still the standard fonts */

    r.expected = DsrExpected{8, 1000, 800, 1200};
    EXPECT_HAS(text_of(r, path), "acima da faixa");

    r.expected = DsrExpected{};
    EXPECT_HAS(text_of(r, path), "Faturamento esperado: ainda sem hist\u00f3rico deste dia da semana");
    r = big_day(nullptr, nullptr);
    EXPECT_HAS(text_of(r, path), "Expected revenue: no history of this weekday yet");
}

TEST_F(PdfLocale, EnglishWithCurrency)
{
    std::string path;
    std::string t = text_of(big_day("en", "USD"), path);
    EXPECT_HAS(t, "$241,884,184.90");
    t = text_of(big_day("en", "BRL"), path);
    EXPECT_HAS(t, "R$241,884,184.90");
    t = text_of(big_day("pt-BR", "USD"), path);
    EXPECT_HAS(t, "US$ 241.884.184,90");
    t = text_of(big_day("pt-BR", "CHF"), path);
    EXPECT_HAS(t, "CHF 241.884.184,90");
}

TEST_F(PdfLocale, ShopNameSurvivesInMetadata)
{
    std::string path;
    text_of(big_day("pt-BR", "BRL"), path);
    std::string info = run("pdfinfo -enc UTF-8 '" + path + "' 2>/dev/null");
    EXPECT_HAS(info, "Author:          Eletr\u00f4nicos Brasil");
    EXPECT_HAS(info, "Title:           Relat\u00f3rio di\u00e1rio de vendas 2025-09-22");

    DsrReport r = big_day("en", "");
    r.shop_name = "\u4e2d\u6587\u5546\u5e97"; /* CJK */
    text_of(r, path);
    info = run("pdfinfo -enc UTF-8 '" + path + "' 2>/dev/null");
    EXPECT_HAS(info, "Author:          \u4e2d\u6587\u5546\u5e97");
}

TEST(ReportFormat, LocaleAndCurrencyNames)
{
    using namespace dsr;
    EXPECT_TRUE(is_report_locale("en"));
    EXPECT_TRUE(is_report_locale("pt-BR"));
    EXPECT_TRUE(is_report_locale(""));
    EXPECT_FALSE(is_report_locale("fr"));
    EXPECT_TRUE(is_currency_code("BRL"));
    EXPECT_TRUE(is_currency_code(""));
    EXPECT_FALSE(is_currency_code("brl"));
    EXPECT_FALSE(is_currency_code("REAL"));
}

TEST(ReportFormat, LargeChanges)
{
    using namespace dsr;
    NumberStyle en, pt = number_style("pt-BR", "BRL");
    EXPECT_EQ(format_change_magnitude(12.34, en), "12.3%");
    EXPECT_EQ(format_change_magnitude(999.9, en), "999.9%");
    EXPECT_EQ(format_change_magnitude(1000.0, en), "11.0\u00d7");
    EXPECT_EQ(format_change_magnitude(623684.2, en), "6,238\u00d7");
    EXPECT_EQ(format_change_magnitude(623684.2, pt), "6.238\u00d7");
    EXPECT_EQ(format_change_magnitude(1e12, en), ">99,999\u00d7");
    EXPECT_EQ(format_currency("-3", 0, pt), "-R$ 3,00");
    EXPECT_EQ(format_long_date_pt(parse_date("2025-03-01")), "s\u00e1bado, 1 de mar\u00e7o de 2025");
}

} /* namespace */

namespace
{

const char *const kCjkName = "\u4e2d\u6587\u5546\u54c1";                    /* 中文商品 */
const char *const kHebrewName = "\u05e9\u05dc\u05d5\u05dd 123";             /* שלום 123 */
const char *const kArabicName = "\u0643\u062a\u0627\u0628";                 /* كتاب */
const char *const kDevanagariName = "\u0928\u092e\u0938\u094d\u0924\u0947"; /* नमस्ते */
const char *const kFallback = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc";

TEST_F(PdfLocale, CjkNameFromTheFallbackFont)
{
    if (access(kFallback, R_OK) != 0)
        GTEST_SKIP() << "fonts-wqy-zenhei not installed";
    DsrReport r = big_day("pt-BR", "BRL");
    r.top[1].name = kCjkName;
    std::string path;
    std::string t = text_of(r, path);
    EXPECT_HAS(t, kCjkName);
    std::string fonts = run("pdffonts '" + path + "' 2>/dev/null");
    EXPECT_HAS(fonts, "WenQuanYiZenHei");
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    EXPECT_EQ(res.unshaped_scripts, 0u);
}

TEST_F(PdfLocale, HebrewNameInReadingOrder)
{
    DsrReport r = big_day("en", "");
    r.top[1].name = kHebrewName;
    std::string path;
    text_of(r, path);
    /* the glyphs from left to right, as drawn: the word reversed, the number kept */
    std::string raw = run("pdftotext -raw -nodiag -enc UTF-8 '" + path + "' - 2>/dev/null");
    std::string visual = pdf_text(path);
    EXPECT_EQ(dsr::visual_order(kHebrewName), "123 \u05dd\u05d5\u05dc\u05e9");
    /* poppler reads the drawn right-to-left word back in logical order
     * (drawn in logical order, as before, it read back mirrored) */
    EXPECT_HAS(visual, "\u05e9\u05dc\u05d5\u05dd"); /* שלום */
    EXPECT_EQ(visual.find("\u05dd\u05d5\u05dc\u05e9"), std::string::npos) << visual;
    EXPECT_HAS(raw, "123");
}

TEST_F(PdfLocale, ScriptsNeedingShapingAreSaid)
{
    DsrReport r = big_day("en", "");
    r.top[0].name = kArabicName;
    r.top[1].name = kDevanagariName;
    std::string  path = dir_ + "/shaping.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(res.unshaped_scripts, DSR_SCRIPT_ARABIC | DSR_SCRIPT_INDIC);
    std::string t = pdf_text(path);
    EXPECT_HAS(t, "Names in Arabic and Devanagari (Indic) script are printed without shaping");
    if (access("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf", R_OK) == 0)
    {
        /* the letters themselves, from fonts-lohit-deva, not empty boxes */
        EXPECT_HAS(run("pdffonts '" + path + "' 2>/dev/null"), "Lohit-Devanagari");
        EXPECT_HAS(t, kDevanagariName);
    }

    r = big_day("pt-BR", "BRL");
    r.top[0].name = kArabicName;
    res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    EXPECT_EQ(res.unshaped_scripts, DSR_SCRIPT_ARABIC);
    t = pdf_text(path);
    EXPECT_HAS(t, "Nomes em escrita \u00e1rabe aparecem sem forma\u00e7\u00e3o");

    r = big_day("en", ""); /* Latin only: no footnote */
    res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    EXPECT_EQ(res.unshaped_scripts, 0u);
    t = pdf_text(path);
    EXPECT_EQ(t.find("shaping"), std::string::npos);
}

TEST(Utf8Text, VisualOrder)
{
    using dsr::visual_order;
    EXPECT_EQ(visual_order("Camera 4K"), "Camera 4K");
    /* Latin base: only the Hebrew word turns */
    EXPECT_EQ(visual_order("Kit \u05e9\u05dc\u05d5\u05dd (2)"), "Kit \u05dd\u05d5\u05dc\u05e9 (2)");
    /* Hebrew base: words right to left, the Latin word and the number left to right */
    EXPECT_EQ(visual_order("\u05d0\u05d1 USB 30"), "USB 30 \u05d1\u05d0");
    EXPECT_EQ(dsr::scripts_needing_shaping(kDevanagariName), unsigned(dsr::kScriptIndic));
    EXPECT_EQ(dsr::scripts_needing_shaping(kHebrewName), 0u);
}

} /* namespace */
