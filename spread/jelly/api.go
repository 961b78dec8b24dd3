package jelly

// Option configures the top-level Jelly and Unjelly functions.
type Option func(*config)

type config struct {
	invoker  any
	security *SecurityOptions
	registry *Registry
	maxDepth int
}

// WithInvoker sets the invoker handed to Jellyable values and registered unjellyables
// (PB's Broker).
func WithInvoker(invoker any) Option { return func(c *config) { c.invoker = invoker } }

// WithSecurity sets the taster.
func WithSecurity(s *SecurityOptions) Option { return func(c *config) { c.security = s } }

// WithRegistry sets a registry consulted before DefaultRegistry.
func WithRegistry(r *Registry) Option { return func(c *config) { c.registry = r } }

// WithMaxDepth bounds nesting (default DefaultMaxDepth).
func WithMaxDepth(n int) Option { return func(c *config) { c.maxDepth = n } }

func apply(opts []Option) config {
	var c config
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Jelly returns the jelly s-expression of v (Twisted's jelly.jelly). Without
// WithSecurity every *Instance is sent in full, like Twisted's default
// DummySecurityOptions.
func Jelly(v any, opts ...Option) (any, error) {
	c := apply(opts)
	j := Jellier{Invoker: c.invoker, Security: c.security, Registry: c.registry, MaxDepth: c.maxDepth}
	return j.Jelly(v)
}

// Unjelly returns the Go value of the s-expression sexp (Twisted's jelly.unjelly).
// Without WithSecurity it uses GlobalSecurity, PB's default taster; pass
// WithSecurity(Insecure()) for the permissive default of Twisted's bare unjelly().
func Unjelly(sexp any, opts ...Option) (any, error) {
	c := apply(opts)
	u := Unjellier{Invoker: c.invoker, Security: c.security, Registry: c.registry, MaxDepth: c.maxDepth}
	return u.Unjelly(sexp)
}
