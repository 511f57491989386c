using Torsion.Cred;
using Torsion.Defer;

namespace Torsion.Tests.Cred;

public sealed class PortalTests
{
    public interface IMailbox
    {
        string Owner { get; }
    }

    public interface IShell;

    private sealed class Mailbox(string owner) : IMailbox
    {
        public string Owner { get; } = owner;
    }

    private sealed class MailRealm : IRealm
    {
        public List<string> LoggedOut { get; } = [];

        public object? LastMind { get; private set; }

        public Deferred<LoginResult> RequestAvatar(string avatarId, object? mind, IReadOnlyList<Type> interfaces)
        {
            LastMind = mind;
            if (!interfaces.Contains(typeof(IMailbox)))
            {
                return Deferred.Fail<LoginResult>(new NotSupportedException("only mailboxes here"));
            }

            var owner = avatarId == Anonymous.AvatarId ? "guest" : avatarId;
            return Deferred.Succeed(new LoginResult(typeof(IMailbox), new Mailbox(owner), () => LoggedOut.Add(owner)));
        }
    }

    private sealed class WrongRealm : IRealm
    {
        public Deferred<LoginResult> RequestAvatar(string avatarId, object? mind, IReadOnlyList<Type> interfaces) =>
            Deferred.Succeed(new LoginResult(typeof(IShell), new Mailbox(avatarId), () => { }));
    }

    private static Task<LoginResult> Run(Deferred<LoginResult> deferred) => deferred.AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Login_gives_the_realms_avatar_for_good_credentials()
    {
        var realm = new MailRealm();
        var portal = new Portal(realm, [new InMemoryUsernamePasswordChecker([new("alice", "pw")])]);
        var mind = new object();

        var result = await Run(portal.Login(new UsernamePassword("alice", "pw"), mind, typeof(IShell), typeof(IMailbox)));

        Assert.Equal(typeof(IMailbox), result.Interface);
        Assert.Equal("alice", result.AvatarAs<IMailbox>().Owner);
        Assert.Same(mind, realm.LastMind);
        result.Logout();
        Assert.Equal(["alice"], realm.LoggedOut);
    }

    [Fact]
    public async Task Login_fails_unauthorized_for_bad_credentials_without_asking_the_realm()
    {
        var realm = new MailRealm();
        var portal = new Portal(realm, [new InMemoryUsernamePasswordChecker([new("alice", "pw")])]);

        await Assert.ThrowsAsync<UnauthorizedLoginException>(() => Run(portal.Login(new UsernamePassword("alice", "nope"), null, typeof(IMailbox))));
        Assert.Null(realm.LastMind);
    }

    [Fact]
    public async Task Login_with_credentials_no_checker_accepts_is_unhandled()
    {
        var portal = new Portal(new MailRealm(), [new InMemoryUsernamePasswordChecker()]);

        var error = await Assert.ThrowsAsync<UnhandledCredentialsException>(() => Run(portal.Login(Anonymous.Instance, null, typeof(IMailbox))));
        Assert.Equal("No checker accepts credentials of type Anonymous; this portal accepts: IUsernamePassword, IUsernameHashedPassword.", error.Message);
    }

    [Fact]
    public async Task Each_credential_type_goes_to_its_checker()
    {
        var portal = new Portal(new MailRealm());
        portal.RegisterChecker(new AllowAnonymousAccess());
        portal.RegisterChecker(new InMemoryUsernamePasswordChecker([new("alice", "pw")]));

        Assert.Equal([typeof(Anonymous), typeof(IUsernamePassword), typeof(IUsernameHashedPassword)], portal.CredentialInterfaces);
        Assert.Equal("guest", (await Run(portal.Login(Anonymous.Instance, null, typeof(IMailbox)))).AvatarAs<IMailbox>().Owner);
        Assert.Equal("alice", (await Run(portal.Login(new UsernamePassword("alice", "pw"), null, typeof(IMailbox)))).AvatarAs<IMailbox>().Owner);
    }

    [Fact]
    public async Task A_realm_failure_reaches_the_caller()
    {
        var portal = new Portal(new MailRealm(), [new AllowAnonymousAccess()]);
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => Run(portal.Login(Anonymous.Instance, null, typeof(IShell))));
        Assert.Equal("only mailboxes here", error.Message);
    }

    [Fact]
    public async Task A_realm_answering_an_interface_not_asked_for_is_an_error_naming_it()
    {
        var portal = new Portal(new WrongRealm(), [new AllowAnonymousAccess()]);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Run(portal.Login(Anonymous.Instance, null, typeof(IMailbox))));
        Assert.Equal("WrongRealm.RequestAvatar answered with IShell, which was not asked for (IMailbox).", error.Message);
    }
}
