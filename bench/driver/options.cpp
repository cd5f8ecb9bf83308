#include "options.hpp"
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace vugpu::bench {

Options::Options(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--", 0) != 0) throw std::invalid_argument("expected --key=value, got " + a);
    // --flag alone means --flag=1. (Built with emplace: g++ 12 -O2 reports a bogus
    // -Wrestrict for operator=(const char*) on a map element here.)
    const auto eq = a.find('=');
    std::string key = eq == std::string::npos ? a.substr(2) : a.substr(2, eq - 2);
    std::string value = eq == std::string::npos ? std::string(1, '1') : a.substr(eq + 1);
    values_.insert_or_assign(std::move(key), std::move(value));
  }
}

std::string Options::text(const std::string& key, const std::string& fallback) {
  used_.insert(key);
  const auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

uint32_t Options::count(const std::string& key, uint32_t fallback) {
  const std::string v = text(key, std::to_string(fallback));
  try {
    return uint32_t(std::stoul(v));
  } catch (const std::exception&) {
    throw std::invalid_argument("--" + key + " wants a number, got " + v);
  }
}

double Options::number(const std::string& key, double fallback) {
  const std::string v = text(key, std::to_string(fallback));
  try {
    return std::stod(v);
  } catch (const std::exception&) {
    throw std::invalid_argument("--" + key + " wants a number, got " + v);
  }
}

std::vector<std::string> Options::list(const std::string& key, const std::string& fallback) {
  std::vector<std::string> out;
  std::stringstream in(text(key, fallback));
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<std::pair<uint32_t, uint32_t>> Options::sizes(const std::string& key, const std::string& fallback) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const auto& s : list(key, fallback)) {
    unsigned w = 0, h = 0;
    if (std::sscanf(s.c_str(), "%ux%u", &w, &h) != 2 || w == 0 || h == 0)
      throw std::invalid_argument("--" + key + " wants WxH, got " + s);
    out.emplace_back(w, h);
  }
  return out;
}

void Options::reject_unused() const {
  std::string unknown;
  for (const auto& [k, v] : values_)
    if (!used_.count(k)) unknown += (unknown.empty() ? "--" : ", --") + k;
  if (!unknown.empty()) throw std::invalid_argument("unknown option(s) for this workload: " + unknown);
}

}  // namespace vugpu::bench
