using System.Text;
using Torsion.Cred;

namespace Torsion.Tests.Cred;

public sealed class CredentialsTests
{
    [Fact]
    public void Username_password_checks_the_password_exactly()
    {
        var credentials = new UsernamePassword("alice", "secret");
        Assert.True(credentials.CheckPassword("secret"));
        Assert.False(credentials.CheckPassword("Secret"));
        Assert.False(credentials.CheckPassword("secret-and-more"));
        Assert.DoesNotContain("secret", credentials.ToString());
    }

    [Fact]
    public void Cram_md5_matches_the_rfc_2195_example()
    {
        var challenge = Encoding.ASCII.GetBytes("<1896.697170952@postoffice.reston.mci.net>");
        Assert.Equal("b913a602c7eda7a495b4e6e7334d3890", CramMd5Credentials.ComputeResponse("tanstaaftanstaaf", challenge));

        var credentials = new CramMd5Credentials("tim", challenge, "B913A602C7EDA7A495B4E6E7334D3890");
        Assert.True(credentials.CheckPassword("tanstaaftanstaaf"));
        Assert.False(credentials.CheckPassword("tanstaaf"));
    }

    [Fact]
    public void Apop_matches_the_rfc_1939_example()
    {
        var credentials = new ApopCredentials("mrose", "<1896.697170952@dbc.mtview.ca.us>", "c4c9334bac560ecc979e58001b3e22fb");
        Assert.True(credentials.CheckPassword("tanstaaf"));
        Assert.False(credentials.CheckPassword("tanstaa"));
    }

    [Fact]
    public void Ssh_key_credentials_without_a_signature_say_so()
    {
        var query = new SshPublicKeyCredentials("alice", "ssh-ed25519", SshKeys.BlobOf(SshKeys.Ed25519));
        var signed = new SshPublicKeyCredentials("alice", "ssh-ed25519", SshKeys.BlobOf(SshKeys.Ed25519), [1], [2]);

        Assert.Null(query.Signature);
        Assert.Null(query.SignedData);
        Assert.Equal([2], signed.Signature!.Value.ToArray());
    }
}
