#include "clients/base/text.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace fedmetrics {

TEST_CASE("printable ASCII passes through unchanged", "[unit][text]") {
  CHECK(printable_excerpt("member m: HTTP 500: \"quoted\" \\ ok ~", 100) == "member m: HTTP 500: \"quoted\" \\ ok ~");
  CHECK(printable_excerpt("", 10).empty());
}

TEST_CASE("control bytes, DEL and line breaks never survive", "[unit][text]") {
  const char raw[] = "a\r\nX-Injected: 1\tb\0c\x01\x1b[31m\x7f";
  const std::string nasty(raw, sizeof raw - 1);
  const auto out = printable_excerpt(nasty, 100);
  CHECK(out == "a  X-Injected: 1 b?c?" "?[31m?");
  for (const char c : out) {
    CHECK((c >= 0x20 && c < 0x7f));
  }
}

TEST_CASE("each UTF-8 sequence becomes one replacement, invalid bytes one each", "[unit][text]") {
  CHECK(printable_excerpt("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80!", 100) == "caf? ? ?!");
  CHECK(printable_excerpt("\x80\x80x\xff", 100) == "??x?");
}

TEST_CASE("long text is cut to the limit and marked", "[unit][text]") {
  const std::string long_text(100'000, 'x');
  const auto out = printable_excerpt(long_text, 256);
  CHECK(out.size() == 256);
  CHECK(out.substr(253) == "...");
  CHECK(printable_excerpt("abcdef", 6) == "abcdef");
  CHECK(printable_excerpt("abcdefg", 6) == "abc...");
  CHECK(printable_excerpt("abcdefg", 2) == "ab");
}

}  // namespace fedmetrics
