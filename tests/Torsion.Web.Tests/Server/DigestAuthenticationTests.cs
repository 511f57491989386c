using System.Text;
using System.Text.RegularExpressions;
using Torsion.Cred;
using Torsion.Defer;
using Torsion.Testing;
using Torsion.Web.Server;
using Torsion.Web.Tests.Interop;
using Torsion.Web.Tests.Loopback;

namespace Torsion.Web.Tests.Server;

public sealed partial class DigestAuthenticationTests
{
    private sealed class Secret : Resource
    {
        public override bool IsLeaf => true;

        public override RenderResult RenderGet(Request request) => "the secret";
    }

    private sealed class Realm : IRealm
    {
        public Deferred<LoginResult> RequestAvatar(string avatarId, object? mind, IReadOnlyList<Type> interfaces) =>
            Deferred.Succeed(new LoginResult(typeof(Resource), new Secret(), () => { }));
    }

    private readonly Clock _clock = new();

    private static Portal Portal()
    {
        var checker = new InMemoryUsernamePasswordChecker();
        checker.AddUser("alice", "wonderland");
        return new Portal(new Realm(), [checker]);
    }

    private SiteHarness Make(bool allowBasic = false, IReadOnlyList<string>? algorithms = null)
    {
        var root = new Resource();
        var factory = new DigestCredentialFactory(_clock, "members", TimeSpan.FromMinutes(5), algorithms);
        root.PutChild("private", new HttpAuthResource(Portal(), factory, allowBasic));
        return new SiteHarness(root);
    }

    [GeneratedRegex("WWW-Authenticate: Digest [^\r]*algorithm=([A-Z0-9-]+), nonce=\"([^\"]+)\"")]
    private static partial Regex DigestChallenge();

    private static (string Algorithm, string Nonce) FirstChallenge(string response)
    {
        var match = DigestChallenge().Match(response);
        Assert.True(match.Success, response);
        return (match.Groups[1].Value, match.Groups[2].Value);
    }

    private static string Authorization(string algorithm, string nonce, string password, string uri = "/private/x")
    {
        var response = DigestCredentials.ComputeResponse(algorithm, "alice", "members", password, "GET", uri, nonce, "00000001", "abc123");
        return $"Authorization: Digest username=\"alice\", realm=\"members\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm={algorithm}, qop=auth, nc=00000001, cnonce=\"abc123\", response=\"{response}\"\r\n";
    }

    [Fact]
    public void Rfc_7616_example_responses_are_computed()
    {
        const string nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
        const string cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        Assert.Equal("8ca523f5e9506fed4657c9700eebdbec", DigestCredentials.ComputeResponse("MD5", "Mufasa", "http-auth@example.org", "Circle of Life", "GET", "/dir/index.html", nonce, "00000001", cnonce));
        Assert.Equal("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", DigestCredentials.ComputeResponse("SHA-256", "Mufasa", "http-auth@example.org", "Circle of Life", "GET", "/dir/index.html", nonce, "00000001", cnonce));
    }

    [Fact]
    public void Missing_credentials_get_a_challenge_per_algorithm_sha256_first()
    {
        var response = Make().Fetch(SiteHarness.Get("/private/x"));
        Assert.StartsWith("HTTP/1.1 401 ", response, StringComparison.Ordinal);
        var sha = response.IndexOf("algorithm=SHA-256", StringComparison.Ordinal);
        var md5 = response.IndexOf("algorithm=MD5", StringComparison.Ordinal);
        Assert.True(sha > 0 && md5 > sha, response);
        Assert.Contains("qop=\"auth\"", response, StringComparison.Ordinal);
        Assert.DoesNotContain("WWW-Authenticate: Basic", response, StringComparison.Ordinal);
        Assert.DoesNotContain("stale", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SHA-256")]
    [InlineData("MD5")]
    public void A_correct_response_is_let_in(string algorithm)
    {
        var site = Make();
        var (_, nonce) = FirstChallenge(site.Fetch(SiteHarness.Get("/private/x")));
        var response = site.Fetch(SiteHarness.Get("/private/x", Authorization(algorithm, nonce, "wonderland")));
        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        Assert.EndsWith("the secret", response, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_password_gets_401()
    {
        var site = Make();
        var (algorithm, nonce) = FirstChallenge(site.Fetch(SiteHarness.Get("/private/x")));
        Assert.StartsWith("HTTP/1.1 401 ", site.Fetch(SiteHarness.Get("/private/x", Authorization(algorithm, nonce, "looking-glass"))), StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_nonce_gets_401_with_stale_true()
    {
        var site = Make();
        var (algorithm, nonce) = FirstChallenge(site.Fetch(SiteHarness.Get("/private/x")));
        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var response = site.Fetch(SiteHarness.Get("/private/x", Authorization(algorithm, nonce, "wonderland")));
        Assert.StartsWith("HTTP/1.1 401 ", response, StringComparison.Ordinal);
        Assert.Contains("stale=true", response, StringComparison.Ordinal);
    }

    [Fact]
    public void A_nonce_not_issued_by_the_server_gets_401_without_stale()
    {
        var site = Make();
        var forged = Convert.ToBase64String(new byte[32]).TrimEnd('=');
        var response = site.Fetch(SiteHarness.Get("/private/x", Authorization("SHA-256", forged, "wonderland")));
        Assert.StartsWith("HTTP/1.1 401 ", response, StringComparison.Ordinal);
        Assert.DoesNotContain("stale", response, StringComparison.Ordinal);
    }

    [Fact]
    public void A_response_for_another_uri_gets_401()
    {
        var site = Make();
        var (algorithm, nonce) = FirstChallenge(site.Fetch(SiteHarness.Get("/private/x")));
        var response = site.Fetch(SiteHarness.Get("/private/x", Authorization(algorithm, nonce, "wonderland", uri: "/private/other")));
        Assert.StartsWith("HTTP/1.1 401 ", response, StringComparison.Ordinal);
    }

    [Fact]
    public void An_algorithm_not_offered_gets_401()
    {
        var site = Make(algorithms: ["SHA-256"]);
        var (_, nonce) = FirstChallenge(site.Fetch(SiteHarness.Get("/private/x")));
        Assert.StartsWith("HTTP/1.1 401 ", site.Fetch(SiteHarness.Get("/private/x", Authorization("MD5", nonce, "wonderland"))), StringComparison.Ordinal);
    }

    [Fact]
    public void Basic_is_offered_after_digest_when_allowed_and_works()
    {
        var site = Make(allowBasic: true);
        var challenge = site.Fetch(SiteHarness.Get("/private/x"));
        Assert.True(challenge.IndexOf("WWW-Authenticate: Basic", StringComparison.Ordinal) > challenge.IndexOf("WWW-Authenticate: Digest", StringComparison.Ordinal), challenge);
        var basic = "Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:wonderland")) + "\r\n";
        Assert.StartsWith("HTTP/1.1 200 ", site.Fetch(SiteHarness.Get("/private/x", basic)), StringComparison.Ordinal);
    }

    [Fact]
    public void Basic_is_refused_when_only_digest_is_configured()
    {
        var basic = "Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:wonderland")) + "\r\n";
        Assert.StartsWith("HTTP/1.1 401 ", Make().Fetch(SiteHarness.Get("/private/x", basic)), StringComparison.Ordinal);
    }

    [Fact]
    public void Parameters_with_quoted_strings_and_escapes_are_parsed()
    {
        var fields = DigestCredentialFactory.ParseParameters("username=\"a\\\"b\", qop=auth,nc=00000001 , realm=\"x, y\"");
        Assert.NotNull(fields);
        Assert.Equal("a\"b", fields["username"]);
        Assert.Equal("auth", fields["qop"]);
        Assert.Equal("00000001", fields["nc"]);
        Assert.Equal("x, y", fields["realm"]);
    }

    [Theory]
    [InlineData("username=\"unterminated")]
    [InlineData("username")]
    [InlineData("a=1, a=2")]
    public void Malformed_parameters_are_refused(string text) => Assert.Null(DigestCredentialFactory.ParseParameters(text));

    [Theory]
    [InlineData("SHA-256")]
    [InlineData("MD5")]
    public void Curl_digest_gets_in_and_a_wrong_password_does_not(string algorithm)
    {
        using var server = new RunningServer(reactor =>
        {
            var root = new Resource();
            root.PutChild("private", new HttpAuthResource(Portal(), new DigestCredentialFactory(reactor, "members", algorithms: [algorithm])));
            return new Site(root, reactor);
        });
        var url = $"http://127.0.0.1:{server.Port}/private/x?y=1";
        var (ok, _, _) = CurlTests.Curl("-s", "--digest", "-u", "alice:wonderland", "-w", "\n%{http_code}", url);
        Assert.Equal("the secret\n200", ok);
        var (refused, _, _) = CurlTests.Curl("-s", "-o", "/dev/null", "--digest", "-u", "alice:nope", "-w", "%{http_code}", url);
        Assert.Equal("401", refused);
    }
}
