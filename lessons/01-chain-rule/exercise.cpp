// Lesson 1: the chain rule.
//
// Fill in the four functions below, from top to bottom, then run
//   runner lesson 1
// The runner checks every value and derivative you return. Delete each
// not_implemented() call once you have written the body.
// Stuck? `runner hint 1` shows one hint at a time.
#include <cmath>
#include <vector>

#include "chain_rule.h"

// Part one. Temperature drives sales and sales drive happiness:
//   sales = sales_per_degree * T,  happiness = happiness_per_sale * sales
// Fill in all five fields of IceCream. Each link is a straight line, so its
// derivative is its slope, and the chain rule multiplies the two slopes:
//   dhappiness_dT = dhappiness_dsales * dsales_dT
IceCream ice_cream(double T, double sales_per_degree, double happiness_per_sale) {
  not_implemented();
}

// Part two starts here. Returns f(u) for the link's function: u * u for
// square, std::sin(u) for sin, link.c * u for scale, u + link.c for add, and
// so on for every Function in chain_rule.h. A switch on link.f fits well.
double link_value(const Link& link, double u) {
  not_implemented();
}

// Returns f'(u), the derivative of the link's function at its input u. For
// square it is 2u and for sin it is cos(u); the explanation lists the rest.
// The sigmoid's derivative is neatest written with s = sigmoid(u): s(1 - s).
double link_derivative(const Link& link, double u) {
  not_implemented();
}

// Runs the chain from u0 = x and returns one ChainStep per link, in order.
// For link k, with u_(k-1) the value that goes in:
//   local = f_k'(u_(k-1))                 the link's local derivative
//   u     = f_k(u_(k-1))                  the value that comes out
//   du_dx = local * du_(k-1)/dx           the running product, du0/dx = 1
// The last step's du_dx is the derivative of the whole chain at x.
std::vector<ChainStep> chain_rule(const std::vector<Link>& chain, double x) {
  not_implemented();
}
