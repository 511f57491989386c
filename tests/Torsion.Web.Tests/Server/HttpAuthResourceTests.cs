using System.Text;
using Torsion.Cred;
using Torsion.Defer;
using Torsion.Web.Server;

namespace Torsion.Web.Tests.Server;

public sealed class HttpAuthResourceTests
{
    private sealed class Secret : Resource
    {
        public override bool IsLeaf => true;

        public override RenderResult RenderGet(Request request) => "the secret";
    }

    private sealed class Realm : IRealm
    {
        public int LoggedOut { get; private set; }

        public Deferred<LoginResult> RequestAvatar(string avatarId, object? mind, IReadOnlyList<Type> interfaces) =>
            Deferred.Succeed(new LoginResult(typeof(Resource), new Secret(), () => LoggedOut++));
    }

    private static (SiteHarness Site, Realm Realm) Make()
    {
        var realm = new Realm();
        var checker = new InMemoryUsernamePasswordChecker();
        checker.AddUser("alice", "wonderland");
        var root = new Resource();
        root.PutChild("private", new HttpAuthResource(new Portal(realm, [checker]), "members"));
        return (new SiteHarness(root), realm);
    }

    private static string Basic(string user, string password) => "Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")) + "\r\n";

    [Fact]
    public void Missing_credentials_get_401_with_a_challenge()
    {
        var response = Make().Site.Fetch(SiteHarness.Get("/private/x"));
        Assert.StartsWith("HTTP/1.1 401 Unauthorized", response);
        Assert.Contains("WWW-Authenticate: Basic realm=\"members\", charset=\"UTF-8\"\r\n", response);
    }

    [Fact]
    public void Wrong_password_gets_401()
    {
        Assert.StartsWith("HTTP/1.1 401", Make().Site.Fetch(SiteHarness.Get("/private/x", Basic("alice", "nope"))));
    }

    [Fact]
    public void Malformed_header_gets_401()
    {
        Assert.StartsWith("HTTP/1.1 401", Make().Site.Fetch(SiteHarness.Get("/private/x", "Authorization: Basic !!!\r\n")));
    }

    [Fact]
    public void Right_password_renders_the_avatar_and_logs_out_after_the_request()
    {
        var (site, realm) = Make();
        var response = site.Fetch(SiteHarness.Get("/private/x", Basic("alice", "wonderland")));
        Assert.StartsWith("HTTP/1.1 200 OK", response);
        Assert.EndsWith("the secret", response);
        Assert.Equal(1, realm.LoggedOut);
    }
}
