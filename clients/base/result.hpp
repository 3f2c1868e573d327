#pragma once
// fedmetrics::Result<T>: a value or an fedmetrics::Error. Check with `if (!r)`, read with `*r`,
// propagate with `return r.error();`.
#include <boost/system/result.hpp>

#include "clients/base/error.hpp"

namespace fedmetrics {

template <class T>
using Result = boost::system::result<T, Error>;

/// Result<void> success value: `return ok();`.
inline Result<void> ok() { return {}; }

}  // namespace fedmetrics
