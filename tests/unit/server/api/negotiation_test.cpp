#include <catch2/catch.hpp>

#include "server/api/negotiation.hpp"

namespace fedmetrics::api {

TEST_CASE("a missing or empty Accept header accepts JSON", "[unit][negotiation]") {
  CHECK(accepts_plain_json(std::nullopt));
  CHECK(accepts_plain_json(""));
  CHECK(accepts_plain_json("   "));
}

TEST_CASE("Accept headers seen in practice", "[unit][negotiation]") {
  const auto [accept, plain_json] = GENERATE(table<std::string, bool>({
      // kubectl and most clients
      {"application/json, */*", true},
      {"application/json", true},
      {"*/*", true},
      {"application/*", true},
      {"Application/JSON", true},
      {"application/json; charset=utf-8", true},
      // protobuf-preferring clients (kube-controller-manager, generated clients)
      {"application/vnd.kubernetes.protobuf, */*", true},
      {"application/vnd.kubernetes.protobuf,application/json", true},
      {"application/vnd.kubernetes.protobuf", false},
      // aggregator's aggregated-discovery fetch: profiles only
      {"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", false},
      {"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", false},
      {"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
       "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
       false},
      // kubectl discovery: profiles, then plain JSON
      {"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.9,"
       "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList;q=0.8,application/json;q=0.7",
       true},
      // Table requests always offer plain JSON too
      {"application/json;as=Table;v=v1;g=meta.k8s.io", false},
      {"application/json;as=Table;v=v1;g=meta.k8s.io,application/json", true},
      {"application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json;as=Table;v=v1;g=meta.k8s.io", false},
      {"application/json; AS=Table", false},
      {"application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", false},
      // q values
      {"application/json;q=0", false},
      {"application/json; q=0.0", false},
      {"*/*;q=0", false},
      {"application/json;q=0, */*", true},
      {"application/json;q=0.001", true},
      {"application/json;q=1", true},
      {"application/json;q=", false},
      {"application/json;q=abc", false},
      // other types
      {"text/html", false},
      {"text/plain, application/yaml", false},
      {"application/jsonx", false},
      {"application/yaml, text/*", false},
      {"  application/json  ", true},
  }));
  CAPTURE(accept);
  CHECK(accepts_plain_json(accept) == plain_json);
}

TEST_CASE("the 406 message names application/json", "[unit][negotiation]") {
  CHECK(kServedMediaTypes == "application/json");
}

}  // namespace fedmetrics::api

namespace fedmetrics::api {

TEST_CASE("a resource endpoint negotiates the meta.k8s.io conversions", "[unit][negotiation]") {
  using R = Representation;
  using V = kubeapi::MetaVersion;
  const auto [accept, representation, version] = GENERATE(table<std::string, R, V>({
      // kubectl get: Table v1, then v1beta1, then plain JSON
      {"application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
       R::Table, V::V1},
      {"application/json;as=Table;v=v1beta1;g=meta.k8s.io", R::Table, V::V1Beta1},
      {"application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io", R::PartialObjectMetadata, V::V1},
      {"application/json;as=PartialObjectMetadataList;v=v1beta1;g=meta.k8s.io", R::PartialObjectMetadataList, V::V1Beta1},
      // unknown profiles are skipped for the next entry
      {"application/json;as=Table;v=v2;g=meta.k8s.io,application/json", R::Json, V::V1},
      {"application/json;as=Table;v=v1;g=apps,application/json;as=Table;v=v1;g=meta.k8s.io", R::Table, V::V1},
      // q orders the entries; ties keep the header order, a more specific range first
      {"application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io", R::Table, V::V1},
      {"*/*,application/json;as=Table;v=v1;g=meta.k8s.io", R::Table, V::V1},
      {"application/json,application/json;as=Table;v=v1;g=meta.k8s.io", R::Json, V::V1},
      {"", R::Json, V::V1},
  }));
  CAPTURE(accept);
  const auto m = negotiate(accept, true);
  REQUIRE(m.has_value());
  CHECK(m->representation == representation);
  if (representation != R::Json) CHECK(m->meta_version == version);
}

TEST_CASE("conversions are refused where they are not offered, or malformed", "[unit][negotiation]") {
  for (const char* accept : {"application/json;as=Table;v=v1;g=meta.k8s.io",
                             "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"}) {
    CAPTURE(accept);
    CHECK_FALSE(negotiate(std::string_view(accept), false).has_value());  // custom/external metrics, discovery
  }
  for (const char* accept : {"application/json;as=Table", "application/json;as=Table;g=meta.k8s.io",
                             "application/json;as=Tables;v=v1;g=meta.k8s.io",
                             "application/json;as=Table;v=v1;g=meta.k8s.io;q=0", "text/html;as=Table;v=v1;g=meta.k8s.io"}) {
    CAPTURE(accept);
    CHECK_FALSE(negotiate(std::string_view(accept), true).has_value());
  }
}

}  // namespace fedmetrics::api
