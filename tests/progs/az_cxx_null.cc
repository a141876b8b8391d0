// az_cxx_null: a C++ member function reads a member through a NULL
// object pointer (this == nullptr): Account::balance() reads m_balance at
// offset 0x10.  Built -O0 and -O2.
#include <cstdio>

class Account {
public:
	Account(long id, long balance) : m_id(id), m_owner(0), m_balance(balance) {}
	__attribute__((noinline)) long balance() const { return m_balance + 1; }
private:
	long m_id;
	long m_owner;
	long m_balance;		// offset 0x10
};

static Account *volatile current;	// never set

__attribute__((noinline)) long report(const Account *a)
{
	return a->balance() * 3;
}

int main()
{
	std::printf("%ld\n", report(current));
	return 0;
}
