/*
 * test_utf8_text.cpp — strict UTF-8 decoding and the sanitising that keeps
 * libharu's BMP-only encoder from breaking on real product names.
 */
#include "core/utf8_text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace
{

using dsr::append_utf8;
using dsr::decode_utf8;
using dsr::encode_win_ansi;
using dsr::is_utf8_char_start;
using dsr::sanitize_utf8;

const char *const kRepl = "\xEF\xBF\xBD"; /* U+FFFD */

/* Length decode_utf8 reports for the whole of `s` (0 = rejected). */
size_t
decoded_len(const std::string &s, uint32_t *cp = nullptr)
{
    uint32_t c = 0;
    size_t   n = decode_utf8(s, 0, c);
    if (cp)
        *cp = c;
    return n;
}

TEST(Utf8Text, DecodesOneToFourByteSequences)
{
    uint32_t cp = 0;
    EXPECT_EQ(decoded_len("A", &cp), 1u);
    EXPECT_EQ(cp, 0x41u);
    EXPECT_EQ(decoded_len("\xC3\xA3", &cp), 2u); /* ã */
    EXPECT_EQ(cp, 0xE3u);
    EXPECT_EQ(decoded_len("\xE2\x80\xA6", &cp), 3u); /* … */
    EXPECT_EQ(cp, 0x2026u);
    EXPECT_EQ(decoded_len("\xF0\x9F\x93\xA6", &cp), 4u); /* U+1F4E6 */
    EXPECT_EQ(cp, 0x1F4E6u);

    /* decoding starts at the given offset */
    std::string s = "P\xC3\xA3o";
    EXPECT_EQ(decode_utf8(s, 1, cp), 2u);
    EXPECT_EQ(cp, 0xE3u);
}

TEST(Utf8Text, RejectsInvalidSequences)
{
    EXPECT_EQ(decoded_len("\xC0\x80"), 0u);         /* overlong NUL */
    EXPECT_EQ(decoded_len("\xE0\x80\xAF"), 0u);     /* overlong '/' */
    EXPECT_EQ(decoded_len("\xED\xA0\x80"), 0u);     /* surrogate U+D800 */
    EXPECT_EQ(decoded_len("\xF4\x90\x80\x80"), 0u); /* above U+10FFFF */
    EXPECT_EQ(decoded_len("\xC3"), 0u);             /* truncated */
    EXPECT_EQ(decoded_len("\xE2\x80"), 0u);         /* truncated */
    EXPECT_EQ(decoded_len("\x80"), 0u);             /* stray continuation */
    EXPECT_EQ(decoded_len("\xC3\x41"), 0u);         /* missing continuation */
    EXPECT_EQ(decoded_len("\xFF"), 0u);
}

TEST(Utf8Text, AppendRoundTripsThroughDecode)
{
    for (uint32_t cp : {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xFFFDu, 0x10000u, 0x10FFFFu})
    {
        std::string s;
        append_utf8(s, cp);
        uint32_t back = 0;
        EXPECT_EQ(decode_utf8(s, 0, back), s.size()) << std::hex << cp;
        EXPECT_EQ(back, cp) << std::hex << cp;
    }
}

TEST(Utf8Text, SanitizeKeepsBasicMultilingualPlaneText)
{
    const std::string name = "C\xC3\xA2mera 4K A\xC3\xA7\xC3\xA3o \xE2\x80\x94 \xE2\x96\xB2";
    EXPECT_EQ(sanitize_utf8(name, kRepl), name);
    EXPECT_EQ(sanitize_utf8("", kRepl), "");
}

TEST(Utf8Text, SanitizeReplacesOutsideBmpAndInvalidBytes)
{
    EXPECT_EQ(sanitize_utf8("Caixa \xF0\x9F\x93\xA6 Gamer", kRepl), std::string("Caixa ") + kRepl + " Gamer");
    EXPECT_EQ(sanitize_utf8("Cut \xC3", "?"), "Cut ?");
    EXPECT_EQ(sanitize_utf8("Surrogate \xED\xA0\x80 x", "?"), "Surrogate ? x");
    /* one replacement per bad sequence: a bad lead swallows its continuations */
    EXPECT_EQ(sanitize_utf8("a\xE2\x80z", "?"), "a?z");
    EXPECT_EQ(sanitize_utf8("Bad \xFF\xFE bytes", "?"), "Bad ?? bytes");
    /* the non-characters libharu cannot take */
    EXPECT_EQ(sanitize_utf8("x\xEF\xBF\xBEy\xEF\xBF\xBFz", "?"), "x?y?z");
}

TEST(Utf8Text, SanitizeTurnsControlCharactersIntoSpaces)
{
    EXPECT_EQ(sanitize_utf8("Tab\there\nnewline", "?"), "Tab here newline");
    EXPECT_EQ(sanitize_utf8(std::string("a\0b", 3), "?"), "a b");
    EXPECT_EQ(sanitize_utf8("del\x7F"
                            "c1\xC2\x85.",
                            "?"),
              "del c1 .");
}

TEST(Utf8Text, CharacterStartsAreNotContinuationBytes)
{
    EXPECT_TRUE(is_utf8_char_start('A'));
    EXPECT_TRUE(is_utf8_char_start('\xC3'));
    EXPECT_TRUE(is_utf8_char_start('\xF0'));
    EXPECT_FALSE(is_utf8_char_start('\xA3'));
    EXPECT_FALSE(is_utf8_char_start('\x80'));
}

/* WinAnsiEncoding of `s`, or "<none>" when it has no code for a character. */
std::string
win_ansi(const std::string &s)
{
    std::string out;
    return encode_win_ansi(s, out) ? out : std::string("<none>");
}

TEST(Utf8Text, WinAnsiKeepsAsciiAndLatin1)
{
    EXPECT_EQ(win_ansi(""), "");
    EXPECT_EQ(win_ansi("Monitor 27\" ~{}"), "Monitor 27\" ~{}");
    EXPECT_EQ(win_ansi("P\xC3\xA3o \xC3\x81gua \xC3\xBF \xC2\xA0"), "P\xE3o \xC1gua \xFF \xA0");
    for (uint32_t cp = 0xA0; cp <= 0xFF; cp++)
    {
        std::string s;
        append_utf8(s, cp);
        EXPECT_EQ(win_ansi(s), cp == 0xAD ? "<none>" : std::string(1, static_cast<char>(cp))) << std::hex << cp;
    }
}

TEST(Utf8Text, WinAnsiHasWindows1252Punctuation)
{
    EXPECT_EQ(win_ansi("\xE2\x82\xAC"), "\x80");                 /* € */
    EXPECT_EQ(win_ansi("\xE2\x80\xA6"), "\x85");                 /* … */
    EXPECT_EQ(win_ansi("\xE2\x80\x93\xE2\x80\x94"), "\x96\x97"); /* – — */
    EXPECT_EQ(win_ansi("\xE2\x80\x9C"
                       "a\xE2\x80\x9D"),
              "\x93"
              "a\x94");
    EXPECT_EQ(win_ansi("\xC5\xB8"), "\x9F"); /* Ÿ */
    EXPECT_EQ(win_ansi("\xC2\xB7"), "\xB7"); /* · */
}

TEST(Utf8Text, WinAnsiRefusesWhatItCannotShow)
{
    EXPECT_EQ(win_ansi("\xE2\x96\xB2"), "<none>");     /* ▲ */
    EXPECT_EQ(win_ansi("\xD0\x9C"), "<none>");         /* Cyrillic */
    EXPECT_EQ(win_ansi("\xC4\x9E"), "<none>");         /* Ğ */
    EXPECT_EQ(win_ansi("\xEF\xBF\xBD"), "<none>");     /* U+FFFD */
    EXPECT_EQ(win_ansi("\xF0\x9F\x93\xA6"), "<none>"); /* emoji */
    EXPECT_EQ(win_ansi("\xC2\xAD"), "<none>");         /* soft hyphen */
    EXPECT_EQ(win_ansi("\xC2\x81"), "<none>");         /* C1 control */
    EXPECT_EQ(win_ansi("tab\t"), "<none>");
    EXPECT_EQ(win_ansi("bad \xFF"), "<none>");
    EXPECT_EQ(win_ansi("caf\xC3\xA9 \xE2\x96\xB2"), "<none>"); /* one is enough */
}

} // namespace
