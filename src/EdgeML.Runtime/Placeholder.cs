namespace EdgeML.Runtime;
