namespace Torsion.Tests.Cred;

/// <summary>Public keys made with ssh-keygen for the tests.</summary>
internal static class SshKeys
{
    public const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO5znY7/oCrE2KdLrFbYJdcqZ3S/9PX0PwePMh1GFi42 alice@laptop";
    public const string Ecdsa256 = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBOfe+2iWPlRuljwBE5DLg6tPJMKrmLMAwkILzZWppc/D7ngqlLoCCu0L9o/d5P9a8i+/6/zwzc39s+xj9z2WKI=";
    public const string Ecdsa384 = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBNsEUECZILn09Kdrgr+dMp9m/HCPBPQMmubrARfqUhss+C1cdjlkJjmCzdxZGRgIcNOdqCykEKDphSmtnYTXxigDdXiSfCD0q4y5bGhKa2K9Q4S/nAN9GpBtUR6fIe45Lg== ec384";
    public const string Ecdsa521 = "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBADg76pm8r2Z0ScSEhD5JncDdG4d5JwF+8sSkVz8yqGIh7tXyjMtrkQIvnNAXFnvmQuvoH72eLLbwEhD22XuuZ5JQQHjhhpDduYCtnGn6YNBPQ7GGn3t9qSike8iA2iu4Vj3I4lr8gahpRaLkILHpyp6u6xtkkHCVT3DfKhS2NAOvi+QOg== e521";
    public const string Rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDCjyEHq9cTPMSEExLTnaeP8CZb57Bzn2MtufIXC7YzRerg4Noe1tI5JqVV57uMOXHXjiV/mUpMXOEvAentRfoM4/CwyS38OTwslXNRv+N3jOLJeFeszmwRJFHZ62UfbJcY0fJl90UA7l+K82M9oGAfFZv1VpsN9SQ5UXrW74uEmQ== rsa key";

    public static byte[] BlobOf(string line) => Convert.FromBase64String(line.Split(' ')[1]);
}
