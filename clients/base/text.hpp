#pragma once
// Text a peer sent (a member's error body, a value it reported) on its way into our own headers, logs and
// Status messages: bounded and reduced to printable ASCII, so that nothing a member or a stranger sends can
// break a client's header parser or a JSON encoder, or grow an answer without bound.
#include <cstddef>
#include <string>
#include <string_view>

namespace fedmetrics {

/// `text` reduced to printable ASCII (0x20-0x7E) and cut to at most `max_bytes` bytes:
///   - CR, LF, TAB, VT and FF become a space; every other control byte and DEL becomes '?';
///   - each non-ASCII UTF-8 sequence (lead byte plus continuation bytes) becomes one '?' (invalid
///     sequences too: a stray continuation byte is a '?' of its own);
///   - a cut text ends in "..." (within `max_bytes`; with max_bytes < 3 the text is just cut).
/// Pure; never throws except std::bad_alloc.
[[nodiscard]] std::string printable_excerpt(std::string_view text, std::size_t max_bytes);

}  // namespace fedmetrics
