/*
 * utf8_text.h — strict UTF-8 decoding and encoding, making text safe for
 * libharu's UTF-8 encoder (which only knows the Basic Multilingual Plane),
 * and WinAnsiEncoding, the standard PDF fonts' single-byte encoding.
 */
#ifndef DSR_UTF8_TEXT_H
#define DSR_UTF8_TEXT_H

#include "pure_cpp.h" /* a C++ header: not for the PostgreSQL side */

#include <cstddef>
#include <cstdint>
#include <string>

/* hidden: dsr_pdf_write is the module's only exported symbol */
namespace [[gnu::visibility("hidden")]] dsr
{

/* Append code point `cp` (at most U+10FFFF) as UTF-8. */
void append_utf8(std::string &out, uint32_t cp);

/*
 * Decode one UTF-8 sequence at s[i] (strictly: no overlongs, no surrogates,
 * nothing above U+10FFFF).  Returns its length, or 0 if the bytes there are
 * not a valid sequence (then one byte should be skipped).
 */
size_t decode_utf8(const std::string &s, size_t i, uint32_t &cp);

/*
 * Every code point above U+FFFF, every invalid byte sequence and the
 * non-characters U+FFFE/U+FFFF become `repl` (one per bad sequence);
 * control characters become spaces.
 */
std::string sanitize_utf8(const std::string &in, const std::string &repl);

/*
 * `in` (valid UTF-8, as sanitize_utf8 leaves it) in WinAnsiEncoding, the
 * encoding of the standard PDF fonts (Windows code page 1252: Latin-1 plus
 * the euro sign, typographic quotes, dashes, the ellipsis...).  False, with
 * `out` unspecified, if a character has no code there.
 */
bool encode_win_ansi(const std::string &in, std::string &out);

/* True for a byte that starts a character (not a continuation byte). */
inline bool
is_utf8_char_start(char c)
{
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
}

/*
 * `s` (valid UTF-8) in display order for a left-to-right page: right-to-left
 * letters (Hebrew, Arabic...) reversed into the order they are read, numbers
 * and Latin words inside them kept left to right, brackets mirrored.  A
 * simplified Unicode bidi (one paragraph, its direction from its first strong
 * character; neutrals between two letters of one direction take it).
 * Strings without right-to-left letters come back unchanged.
 */
std::string visual_order(const std::string &s);

/* Scripts in `s` whose letters change shape with their neighbours, which
 * the page cannot do (libharu draws one glyph per character). */
enum : unsigned
{
    kScriptArabic = 1, /* joining: Arabic, Syriac, N'Ko... */
    kScriptIndic = 2,  /* conjuncts and vowel signs: Devanagari... Sinhala */
};
unsigned scripts_needing_shaping(const std::string &s);

} /* namespace dsr */

#endif /* DSR_UTF8_TEXT_H */
