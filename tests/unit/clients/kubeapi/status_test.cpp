#include <catch2/catch.hpp>

#include "clients/kubeapi/status.hpp"

namespace fedmetrics::kubeapi {

TEST_CASE("status renders the metav1.Status shape", "[unit][status]") {
  Status s{404, "NotFound", "the server could not find the metric http_requests for pods", std::nullopt};
  CHECK(encode_status(s) ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
        R"("message":"the server could not find the metric http_requests for pods","reason":"NotFound","code":404})");
}

TEST_CASE("status omits an empty reason and renders details", "[unit][status]") {
  Status s{500, "", "boom", StatusDetails{"x", "custom.metrics.k8s.io", "pods", {{"", "member1: timeout", ""}}, 0}};
  CHECK(encode_status(s) ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"boom",)"
        R"("details":{"name":"x","group":"custom.metrics.k8s.io","kind":"pods","causes":[{"message":"member1: timeout"}]},"code":500})");
}

TEST_CASE("status replaces invalid UTF-8 from user input instead of failing", "[unit][status]") {
  Status s{400, "BadRequest", std::string("bad \xff selector"), std::nullopt};
  const auto out = encode_status(s);
  CHECK(out.find("bad \xEF\xBF\xBD selector") != std::string::npos);
}

TEST_CASE("reasons follow the Kubernetes names", "[unit][status]") {
  CHECK(reason_for_code(400) == "BadRequest");
  CHECK(reason_for_code(413) == "RequestEntityTooLarge");
  CHECK(reason_for_code(503) == "ServiceUnavailable");
  CHECK(reason_for_code(299).empty());
}
}  // namespace fedmetrics::kubeapi
