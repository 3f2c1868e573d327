#include "clients/kubeapi/field_selector.hpp"

#include <catch2/catch.hpp>

#include "tests/support/catch_result.hpp"

using namespace fedmetrics;
using namespace fedmetrics::kubeapi;

TEST_CASE("field selectors parse to apimachinery's canonical form", "[unit][field_selector]") {
  const auto [text, canonical] = GENERATE(table<std::string, std::string>({
      {"", ""},
      {"metadata.name=web-0", "metadata.name=web-0"},
      {"metadata.name==web-0", "metadata.name=web-0"},
      {"metadata.namespace!=kube-system", "metadata.namespace!=kube-system"},
      // terms are sorted
      {"metadata.namespace=b,metadata.name=a", "metadata.name=a,metadata.namespace=b"},
      // escaped commas and equals signs stay escaped
      {R"(metadata.name=a\,b\=c)", R"(metadata.name=a\,b\=c)"},
      {"metadata.name=", "metadata.name="},
      {"metadata.name=a,", "metadata.name=a"},
  }));
  CAPTURE(text);
  auto s = parse_field_selector(text);
  REQUIRE(s);
  CHECK(s->to_string() == canonical);
}

TEST_CASE("bad field selectors are InvalidArgument", "[unit][field_selector]") {
  const auto text = GENERATE(as<std::string>{}, "metadata.name", "metadata.name=a=b", R"(metadata.name=a\x)", "a=b\\");
  CAPTURE(text);
  auto s = parse_field_selector(text);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Errc::InvalidArgument);
}

TEST_CASE("field selectors match like fields.Set: absent fields read as empty", "[unit][field_selector]") {
  const std::map<std::string, std::string> pod{{"metadata.name", "web-0"}, {"metadata.namespace", "default"}};
  const auto [text, selected] = GENERATE(table<std::string, bool>({
      {"", true},
      {"metadata.name=web-0", true},
      {"metadata.name=web-1", false},
      {"metadata.name!=web-1,metadata.namespace=default", true},
      {"metadata.namespace!=default", false},
      {"spec.nodeName=x", false},
      {"spec.nodeName!=x", true},
  }));
  CAPTURE(text);
  auto s = parse_field_selector(text);
  REQUIRE(s);
  CHECK(s->matches(pod) == selected);
}
