// C++: containers, strings, algorithms, templates, virtual dispatch, lambdas, static
// constructors and destructors. Built with -fno-exceptions on both sides (libc++ for wasm,
// libstdc++ natively), so only behaviour both libraries define identically is printed:
// unordered containers are sorted before printing. Exit status: 21.
#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

// Static construction before main, destruction after it (output flushed at exit).
struct Announcer {
    const char *name;
    explicit Announcer(const char *n) : name(n) { std::printf("static ctor: %s\n", name); }
    ~Announcer() { std::printf("static dtor: %s\n", name); }
};
Announcer first_global("first");
Announcer second_global("second");

// Virtual dispatch through a base class, owned by unique_ptr.
class Shape {
  public:
    virtual ~Shape() = default;
    virtual std::string name() const = 0;
    virtual int64_t area2() const = 0;  // twice the area
    virtual int sides() const { return 0; }
};

class Rect : public Shape {
  public:
    Rect(int64_t w, int64_t h) : w_(w), h_(h) {}
    std::string name() const override { return "rect " + std::to_string(w_) + "x" + std::to_string(h_); }
    int64_t area2() const override { return 2 * w_ * h_; }
    int sides() const override { return 4; }

  private:
    int64_t w_, h_;
};

class Square final : public Rect {
  public:
    explicit Square(int64_t s) : Rect(s, s), s_(s) {}
    std::string name() const override { return "square " + std::to_string(s_); }

  private:
    int64_t s_;
};

class Triangle : public Shape {
  public:
    Triangle(int64_t b, int64_t h) : b_(b), h_(h) {}
    std::string name() const override { return "triangle"; }
    int64_t area2() const override { return b_ * h_; }
    int sides() const override { return 3; }

  private:
    int64_t b_, h_;
};

// Templates: a generic accumulate, a variadic sum, a specialization, a constexpr function.
template <typename T, typename F>
T fold(const std::vector<T> &v, T init, F f) {
    for (const T &x : v) init = f(init, x);
    return init;
}

template <typename... Ts>
constexpr int64_t sum_all(Ts... xs) {
    return (int64_t{0} + ... + static_cast<int64_t>(xs));
}

template <typename T>
struct TypeName {
    static const char *get() { return "other"; }
};
template <>
struct TypeName<int> {
    static const char *get() { return "int"; }
};
template <>
struct TypeName<std::string> {
    static const char *get() { return "string"; }
};

constexpr uint64_t factorial(unsigned n) { return n <= 1 ? 1 : n * factorial(n - 1); }
static_assert(factorial(10) == 3628800, "constexpr evaluation");

template <typename T>
class Matrix {
  public:
    Matrix(size_t r, size_t c) : rows_(r), cols_(c), data_(r * c) {}
    T &at(size_t r, size_t c) { return data_[r * cols_ + c]; }
    const T &at(size_t r, size_t c) const { return data_[r * cols_ + c]; }
    Matrix operator*(const Matrix &o) const {
        Matrix out(rows_, o.cols_);
        for (size_t i = 0; i < rows_; i++)
            for (size_t j = 0; j < o.cols_; j++) {
                T s{};
                for (size_t k = 0; k < cols_; k++) s += at(i, k) * o.at(k, j);
                out.at(i, j) = s;
            }
        return out;
    }
    size_t rows_, cols_;

  private:
    std::vector<T> data_;
};

std::optional<int> parse_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    return std::nullopt;
}

}  // namespace

int main() {
    std::printf("main: start\n");

    // vector + sort + algorithms
    std::vector<int> v;
    uint32_t r = 2463534242u;
    for (int i = 0; i < 1000; i++) {
        r ^= r << 13;
        r ^= r >> 17;
        r ^= r << 5;
        v.push_back(static_cast<int>(r % 100000) - 50000);
    }
    std::sort(v.begin(), v.end());
    std::printf("sorted: first %d last %d median %d\n", v.front(), v.back(), v[v.size() / 2]);
    auto evens = std::count_if(v.begin(), v.end(), [](int x) { return x % 2 == 0; });
    int64_t total = std::accumulate(v.begin(), v.end(), int64_t{0});
    std::printf("evens %ld total %" PRId64 "\n", static_cast<long>(evens), total);
    std::vector<int> uniq(v);
    uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
    std::printf("unique %zu of %zu, lower_bound(0) at %ld\n", uniq.size(), v.size(),
                static_cast<long>(std::lower_bound(v.begin(), v.end(), 0) - v.begin()));
    std::stable_sort(v.begin(), v.end(), [](int a, int b) { return (a & 0xFF) < (b & 0xFF); });
    std::printf("stable by low byte: %d %d %d\n", v[0], v[1], v[999]);
    std::reverse(v.begin(), v.end());
    std::rotate(v.begin(), v.begin() + 10, v.end());
    std::printf("after reverse+rotate: %d %d\n", v[0], v[999]);

    // map / set / unordered_map (sorted before printing)
    std::map<std::string, int> counts;
    const char *text = "the quick brown fox jumps over the lazy dog the end fox";
    std::istringstream words(text);
    std::string w;
    while (words >> w) counts[w]++;
    std::printf("map:");
    for (const auto &kv : counts) std::printf(" %s=%d", kv.first.c_str(), kv.second);
    std::printf("\n");
    std::set<int> s(v.begin(), v.begin() + 50);
    std::printf("set: size %zu min %d max %d\n", s.size(), *s.begin(), *s.rbegin());
    std::unordered_map<int, std::string> um;
    for (int i = 0; i < 100; i++) um[i * 37 % 101] = "v" + std::to_string(i);
    std::vector<std::pair<int, std::string>> items(um.begin(), um.end());
    std::sort(items.begin(), items.end());
    std::printf("unordered_map: %zu items, first %d=%s last %d=%s\n", items.size(), items.front().first,
                items.front().second.c_str(), items.back().first, items.back().second.c_str());

    // strings
    std::string str = "Hello, WebAssembly";
    str += " world";
    str.replace(0, 5, "Goodbye");
    std::string upper(str);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
        return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    });
    std::printf("string: [%s] [%s] find %zu substr [%s] compare %d\n", str.c_str(), upper.c_str(), str.find("Web"),
                str.substr(9, 8).c_str(), str.compare(upper) < 0);
    std::ostringstream os;
    os << "int " << 42 << " neg " << -7 << " hex " << std::hex << 255 << std::dec << " str " << std::string("x");
    std::printf("ostringstream: %s\n", os.str().c_str());
    std::printf("stoi/stoll: %d %lld\n", std::stoi("-1234"), std::stoll("9000000000"));

    // virtual dispatch
    std::vector<std::unique_ptr<Shape>> shapes;
    shapes.push_back(std::make_unique<Rect>(3, 4));
    shapes.push_back(std::make_unique<Triangle>(5, 6));
    shapes.push_back(std::make_unique<Square>(7));
    int64_t area_sum = 0;
    for (const auto &sh : shapes) {
        std::printf("shape: %s area2 %" PRId64 " sides %d\n", sh->name().c_str(), sh->area2(), sh->sides());
        area_sum += sh->area2();
    }
    std::printf("dynamic_cast Square->Rect: %d, Triangle->Rect: %d, total area2 %" PRId64 "\n",
                dynamic_cast<Rect *>(shapes[2].get()) != nullptr, dynamic_cast<Rect *>(shapes[1].get()) != nullptr,
                area_sum);

    // templates, lambdas, std::function
    std::vector<double> dv{1.5, 2.25, -0.75, 10.0};
    std::printf("fold: %.17g %d\n", fold(dv, 0.0, [](double a, double b) { return a + b * b; }),
                fold(std::vector<int>{1, 2, 3, 4}, 1, [](int a, int b) { return a * b; }));
    std::printf("variadic: %" PRId64 " factorial(20) %" PRIu64 "\n", sum_all(1, 2u, int64_t{3}, 'a'),
                factorial(20));
    std::printf("specialization: %s %s %s\n", TypeName<int>::get(), TypeName<std::string>::get(),
                TypeName<double>::get());
    int captured = 10;
    std::function<int(int)> add = [captured](int x) { return x + captured; };
    std::function<int(int)> twice = [&add](int x) { return add(add(x)); };
    std::vector<std::function<int(int)>> pipeline{add, twice, [](int x) { return x * 3; }};
    int x = 1;
    for (auto &f : pipeline) x = f(x);
    std::printf("std::function pipeline: %d\n", x);

    Matrix<int64_t> a(3, 3), b(3, 3);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++) {
            a.at(i, j) = static_cast<int64_t>(i * 3 + j + 1);
            b.at(i, j) = i == j ? 2 : static_cast<int64_t>(j) - static_cast<int64_t>(i);
        }
    Matrix<int64_t> c = a * b;
    std::printf("matrix:");
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++) std::printf(" %" PRId64, c.at(i, j));
    std::printf("\n");

    std::string digits;
    for (char ch : std::string("a1b2c3")) {
        if (auto d = parse_digit(ch)) digits += std::to_string(*d * 2);
    }
    std::printf("optional: %s\n", digits.c_str());

    std::printf("main: end\n");
    return 21;
}
