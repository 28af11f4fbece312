// A PipelineHost for tests of the pipeline: buyers by SIREN, default
// understanding, no bank files, and a record of the conclusions.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "daemon/process/pipeline.h"

namespace liasse {

class FakePipelineHost : public PipelineHost {
 public:
  std::string ClientOfBuyer(const Fields& fields) override {
    auto it = client_by_buyer_siren.find(fields.buyer_siren);
    return it == client_by_buyer_siren.end() ? "" : it->second;
  }
  UnderstandOptions ClientOptions(const std::string&) override { return UnderstandOptions(); }
  absl::StatusOr<Fields> ImportBankFile(const DocumentRecord&, const std::string&) override {
    return absl::NotFoundError("no bank files here");
  }
  void Concluded(int64_t id, const Conclusion& conclusion) override {
    std::lock_guard<std::mutex> lock(mu);
    concluded.push_back({id, conclusion.follow_up});
  }

  std::map<std::string, std::string> client_by_buyer_siren;  // SIREN → client
  std::mutex mu;
  std::vector<std::pair<int64_t, FollowUp>> concluded;  // guarded by mu
};

}  // namespace liasse
