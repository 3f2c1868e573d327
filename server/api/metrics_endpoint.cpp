#include "server/api/metrics_endpoint.hpp"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <iterator>

#include "server/api/process_metrics.hpp"

namespace fedmetrics::api {

http::Response metrics_response(prometheus::Registry& registry,
                                const std::vector<const prometheus::Collectable*>& collectables) {
  auto families = registry.Collect();
  for (const auto* source : collectables) {
    auto more = source->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  auto process = collect_process_metrics();
  families.insert(families.end(), std::make_move_iterator(process.begin()), std::make_move_iterator(process.end()));
  http::Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = prometheus::TextSerializer().Serialize(families);
  return r;
}

net::awaitable<http::Response> MetricsOnlyHandler::handle(http::Request request, http::RequestContext) {
  const auto path = std::string_view(request.target).substr(0, request.target.find('?'));
  if (path != "/metrics") co_return error_response(404, "404 page not found");
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = error_response(405, "method not allowed");
    r.headers.add("Allow", "GET, HEAD");
    co_return r;
  }
  auto r = metrics_response(registry_, collectables_);
  if (request.method == "HEAD") r.body.clear();
  co_return r;
}

http::Response MetricsOnlyHandler::error_response(int code, std::string message) {
  http::Response r;
  r.status = code;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(message) + "\n";
  return r;
}

}  // namespace fedmetrics::api
