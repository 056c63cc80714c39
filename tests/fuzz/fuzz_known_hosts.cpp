// known_hosts and ssh_config reading (shared/remote/known_hosts, hash_known_hosts). Input: a file's text,
// a NUL, then a host name ("host" or "[host]:port"). Properties: no crash or runaway time on any text
// or pattern; every entry holds a key whose base64 round-trips; a hashed entry made for a name matches
// that name in any case and the entry's own patterns decide the same way twice.
#include "remote/hash_known_hosts.hpp"
#include "remote/known_hosts.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace sluice::remote;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nul = input.find('\0');
    const auto text = input.substr(0, nul);
    const std::string name(nul == std::string_view::npos ? std::string_view("host") : input.substr(nul + 1));

    for (const auto& e : parse_known_hosts(text)) {
        if (e.hosts.empty() || e.key_type.empty() || e.key.empty() || e.line < 1) std::abort();
        if (base64_decode(base64_encode(e.key)) != e.key) std::abort();
        if (host_matches(e.hosts, name) != host_matches(e.hosts, name)) std::abort();
    }
    (void)hash_known_hosts_in_config(text, name);
    if (auto bytes = base64_decode(text); bytes && base64_decode(base64_encode(*bytes)) != bytes)
        std::abort();

    const std::vector<std::uint8_t> salt(data, data + std::min<std::size_t>(size, 20));
    if (salt.size() == 20) {
        const auto hashed = hash_host_name(name, salt);
        std::string upper = name;
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        if (!host_matches(hashed, name) || !host_matches(hashed, upper)) std::abort();
        const auto line = hashed + " ssh-ed25519 " + base64_encode(salt) + "\n";
        const auto entries = parse_known_hosts(line);
        if (entries.size() != 1 || entries[0].hosts != hashed || entries[0].key != salt) std::abort();
    }
    return 0;
}
