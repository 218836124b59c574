#include "engine/chain.h"

#include "engine/autodiff.h"
#include "engine/ops.h"

namespace gradlings::engine {

namespace {

struct IceCreamGraph {
  Var temperature, sales, happiness;
};

IceCreamGraph build_ice_cream(double temperature, double sales_per_degree,
                              double happiness_per_sale) {
  Var t = Var::scalar(temperature, "T");
  Var sales = scale(t, sales_per_degree);
  Var happiness = scale(sales, happiness_per_sale);
  return {t, sales, happiness};
}

Var apply_link(const ChainLink& link, const Var& u) {
  switch (link.function) {
    case ChainFunction::square:
      return pow(u, 2.0);
    case ChainFunction::sin:
      return sin(u);
    case ChainFunction::cos:
      return cos(u);
    case ChainFunction::exp:
      return exp(u);
    case ChainFunction::log:
      return log(u);
    case ChainFunction::sigmoid:
      return sigmoid(u);
    case ChainFunction::tanh:
      return tanh(u);
    case ChainFunction::scale:
      return scale(u, link.constant);
    case ChainFunction::add:
      return add(u, Var::scalar(link.constant, "c"));
  }
  return u;
}

// u_0 = x, then one node per link.
std::vector<Var> build_chain(const std::vector<ChainLink>& chain, double x) {
  std::vector<Var> u = {Var::scalar(x, "x")};
  for (const ChainLink& link : chain) {
    u.push_back(apply_link(link, u.back()));
  }
  return u;
}

}  // namespace

IceCreamValues ice_cream_values(double temperature, double sales_per_degree,
                                double happiness_per_sale) {
  IceCreamGraph g = build_ice_cream(temperature, sales_per_degree, happiness_per_sale);
  IceCreamValues v;
  v.sales = g.sales.item();
  v.happiness = g.happiness.item();

  g.happiness.backward();
  v.dhappiness_dsales = g.sales.grad_item();
  v.dhappiness_dT = g.temperature.grad_item();

  // backward() from sales alone gives the first link's local derivative. It
  // zeroes the gradients first, so the ones above must be read before.
  g.sales.backward();
  v.dsales_dT = g.temperature.grad_item();
  return v;
}

double ice_cream_happiness(double temperature, double sales_per_degree,
                           double happiness_per_sale) {
  return build_ice_cream(temperature, sales_per_degree, happiness_per_sale).happiness.item();
}

std::vector<ChainLinkValues> chain_values(const std::vector<ChainLink>& chain, double x) {
  std::vector<Var> u = build_chain(chain, x);
  std::vector<ChainLinkValues> values;

  // backward() from u_k fills u_{k-1}.grad with du_k/du_{k-1} and u_0.grad
  // with du_k/dx. Each call starts from zeroed gradients, so every link gets
  // its own pass.
  for (std::size_t k = 1; k < u.size(); ++k) {
    u[k].backward();
    ChainLinkValues link;
    link.u = u[k].item();
    link.local = u[k - 1].grad_item();
    link.du_dx = u[0].grad_item();
    values.push_back(link);
  }
  return values;
}

double chain_output(const std::vector<ChainLink>& chain, double x) {
  return build_chain(chain, x).back().item();
}

}  // namespace gradlings::engine
